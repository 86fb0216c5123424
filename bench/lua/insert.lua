-- The ceiling: a bare Django view doing one unique-key INSERT per request.
local sent = 0

function request()
  sent = sent + 1
  return wrk.format("POST", nil, {["Content-Type"] = "application/x-www-form-urlencoded"},
    "key=" .. run_prefix() .. sent)
end
