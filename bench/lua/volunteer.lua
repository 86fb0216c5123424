-- Sign-ups to one volunteer need through its public form. Extra arguments: the big shift's
-- id, the small shift's id (it fills, then people join its waitlist), then the skills the
-- need asks for. 90 % choose the big shift; a repeat chooses the shift they chose before.
-- A quarter tick a skill, a third leave a phone number, everyone ticks the consent.
local sent = 0

function request()
  sent = sent + 1
  local p = next_person(sent, "volunteer", 0.05)
  local shift
  if p.earlier then
    shift = p.earlier.shift
  else
    shift = math.random() < 0.9 and extra[1] or extra[2]
    p.person.shift = shift
  end
  local body = "shift=" .. shift .. "&given_name=" .. p.given .. "&family_name=" .. p.family ..
    "&email=" .. urlencode(p.email) .. "&consent=on&ref=" .. p.ref ..
    "&ch=" .. (p.ref ~= "" and "whatsapp" or "")
  if #extra > 2 and math.random() < 0.25 then
    body = body .. "&skills=" .. urlencode(extra[math.random(3, #extra)])
  end
  if math.random() < 0.33 then
    body = body .. "&phone=" .. urlencode(string.format("+44 7700 9%05d", sent % 100000))
  end
  return wrk.format("POST", nil, form_headers(p), body)
end
