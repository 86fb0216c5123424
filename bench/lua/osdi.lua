-- The OSDI record-signature helper, as an organisation's own site would call it: every
-- person new, so every 2xx must be exactly one stored signature.
local sent = 0

function request()
  sent = sent + 1
  local body = '{"person": {"given_name": "Api", "family_name": "Bench", ' ..
    '"email_addresses": [{"address": "api.' .. run_prefix() .. sent ..
    '@example.org", "primary": true}]}, "referrer_data": {"source": "api"}}'
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
