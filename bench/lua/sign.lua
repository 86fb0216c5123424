-- The real sign form: unique, varied people; about 5 % deliberate repeats of an earlier
-- person written differently (case, Gmail dots, +tags); 60 % arriving through the share
-- token of a recent signer (taken from the thank-you redirects this thread received).
local sent = 0

function request()
  sent = sent + 1
  local p = next_person(sent, "petition", 0.05)
  local body = "given_name=" .. p.given .. "&family_name=Bench&consent=on&email=" ..
    urlencode(p.email) .. "&ref=" .. p.ref .. "&ch=" .. (p.ref ~= "" and "whatsapp" or "")
  return wrk.format("POST", nil, form_headers(p), body)
end
