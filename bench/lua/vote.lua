-- Votes through the public form on each idea's page. Extra arguments: the vote paths of the
-- challenge's ideas, most popular first; an idea is chosen with weight 1/rank (a few ideas
-- take most votes). 15 % are an earlier voter voting for another idea too (same address,
-- same spelling); of the rest, 5 % repeat an earlier vote written differently (stores
-- nothing new) and the others are new people, 60 % through a recent voter's share link.
-- A vote counts once its email link is followed; those clicks are not part of this load.
local sent, weights, total, voters = 0, {}, 0, {}

local function pick_idea(except)
  if total == 0 then
    for rank = 1, #extra do
      total = total + 1 / rank
      weights[rank] = total
    end
  end
  for _ = 1, 10 do
    local x, chosen = math.random() * total, extra[#extra]
    for rank = 1, #extra do
      if x <= weights[rank] then
        chosen = extra[rank]
        break
      end
    end
    if chosen ~= except then return chosen end
  end
  return except
end

local function form(given, email, ref, wants)
  return "vote-given_name=" .. given .. "&vote-email=" .. urlencode(email) .. "&vote-ref=" ..
    ref .. "&vote-ch=" .. (ref ~= "" and "whatsapp" or "") ..
    (wants and "&vote-wants_updates=on" or "")
end

function request()
  sent = sent + 1
  if #voters > 0 and #extra > 1 and math.random() < 0.15 then
    local voter = voters[math.random(#voters)]
    local path = pick_idea(voter.path)
    return wrk.format("POST", path, form_headers(voter),
      form(voter.given, voter.email, "", math.random() < 0.4))
  end
  local p = next_person(sent, "ideas", 0.05)
  local path
  if p.earlier then
    path = p.earlier.path
  else
    path = pick_idea(nil)
    p.person.path = path
    voters[#voters + 1] = {email = p.email, given = p.given, address = p.address, path = path}
  end
  return wrk.format("POST", path, form_headers(p), form(p.given, p.email, p.ref,
    math.random() < 0.4))
end
