-- The real sign form: unique, varied people; about 5 % deliberate repeats of an earlier
-- person written differently (case, Gmail dots, +tags); 60 % arriving through the share
-- token of a recent signer (taken from the thank-you redirects this thread received).
local first = {"Asha", "Ben", "Chen", "Dara", "Eli", "Fatima", "Gus", "Hana", "Ivan", "Jo",
  "Kofi", "Lena", "Mo", "Nia", "Omar", "Pia", "Ravi", "Sara", "Tom", "Uma", "Vera", "Wim"}
local last = {"Adams", "Bauer", "Costa", "Diaz", "Evans", "Fox", "Gill", "Hale", "Ito", "Jain"}
local domains = {"example.org", "example.net", "gmail.com", "example.com"}
local sent, issued = 0, {}

function request()
  sent = sent + 1
  local email, given, ref = nil, nil, ""
  if #issued > 0 and math.random() < 0.05 then
    local earlier = issued[math.random(#issued)]
    local localpart, domain = earlier[1], earlier[2]
    given = earlier[3]
    if math.random() < 0.5 then localpart = localpart:upper() end
    if domain == "gmail.com" then localpart = localpart:gsub("%.", "") .. "+again" end
    if math.random() < 0.3 then domain = domain:upper() end
    email = localpart .. "@" .. domain
  else
    given = first[math.random(#first)]
    local family = last[math.random(#last)]
    local localpart = (given .. "." .. family .. "." .. run_prefix() .. sent):lower()
    local domain = domains[math.random(#domains)]
    issued[#issued + 1] = {localpart, domain, given}
    if math.random() < 0.1 then
      email = localpart .. "+petition@" .. domain
    else
      email = localpart .. "@" .. domain
    end
    if #tokens > 0 and math.random() < 0.6 then
      ref = tokens[math.random(math.max(1, #tokens - 499), #tokens)]
    end
  end
  local body = "given_name=" .. given .. "&family_name=Bench&consent=on&email=" ..
    urlencode(email) .. "&ref=" .. ref .. "&ch=" .. (ref ~= "" and "whatsapp" or "")
  return wrk.format("POST", nil, {["Content-Type"] = "application/x-www-form-urlencoded"}, body)
end
