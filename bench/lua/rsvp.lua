-- RSVPs to one event through its public form: the same crowd as the sign form (unique,
-- varied people, 5 % repeats written differently, 60 % through a recent person's share
-- link), 40 % asking to be kept updated.
local sent = 0

function request()
  sent = sent + 1
  local p = next_person(sent, "events", 0.05)
  local body = "given_name=" .. p.given .. "&family_name=" .. p.family .. "&email=" ..
    urlencode(p.email) .. "&ref=" .. p.ref .. "&ch=" .. (p.ref ~= "" and "whatsapp" or "") ..
    (math.random() < 0.4 and "&wants_updates=on" or "")
  return wrk.format("POST", nil, form_headers(p), body)
end
