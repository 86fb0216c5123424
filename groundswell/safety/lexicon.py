"""The words the person rules read: titles, public roles, and what makes a name sensitive.

Each cue list is a regular expression's alternatives, matched case-insensitively at word
starts in the sentence around a name. English and Hindi (Devanagari) side by side.
"""

import re


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Titles before a name. Professional ones say the person is at work: their health cues are
# the subject of their work (a doctor talking about cancer), not their own health.
TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "professor", "sir", "dame"})
PROFESSIONAL = frozenset({"dr", "prof", "professor", "nurse", "doctor", "डॉ", "डॉक्टर", "डा"})
HI_TITLES = frozenset({"श्री", "श्रीमती", "सुश्री", "कुमारी", "श्रीमान", "डॉ", "डा", "डॉक्टर"})

# Public roles: a name in one of these is named for what they do in public.
PUBLIC_ROLES = _words(
    """
    councillor cllr mayor minister judge honour sergeant sgt inspector constable pc dc ds di
    superintendent commissioner bishop reverend rev revd mp mla mep msp mps senator governor
    president secretary spokesperson spokesman spokeswoman chancellor leader headteacher
    head officer chief executive chair chairman chairwoman director coroner sheriff lord
    विधायक सांसद मंत्री मुख्यमंत्री प्रधानमंत्री सरपंच जिलाधिकारी ज़िलाधिकारी कलेक्टर
    प्रभारी अधीक्षक महापौर पार्षद न्यायाधीश जज दरोगा इंस्पेक्टर प्रधान डीएम एसपी महात्मा
    अध्यक्ष प्रवक्ता
    """
)

# Words that make a role with one of PUBLIC_ROLES ("Home Secretary", "Crime Commissioner",
# "Deputy Chief Constable"): a capitalised run of only these and roles is a post, not a name.
ROLE_QUALIFIERS = _words(
    """
    home foreign prime deputy shadow chief crime police justice health education district
    county city council vice attorney general first assistant detective acting interim high
    principal local executive senior borough parish town state cabinet lord lady assembly
    and of the for पुलिस जिला ज़िला उप
    """
)

# Capitalised words that are in the given-name list but start no name here.
NOT_NAMES = _words(
    """
    am an are be can do even five he here hi his in just long me my nine oh ok okay on one so
    than the to will you
    the a an our his her he she we they it this that these those my your their its save will
    may march april june august easter jesus red lion london sheffield india christian
    victoria elizabeth florence nelson grace hope mark king queen prince princess duke major
    general justice charity trinity destiny judge line ward joy faith summer autumn patience
    constance prudence angel harmony melody crystal amber sunny rocky christmas monday
    tuesday wednesday thursday friday saturday sunday january february july september
    october november december god lord allah
    """
)

# A capitalised run followed by one of these is a place or an organisation, not a person.
PLACE_WORDS = _words(
    """
    street st road rd lane avenue grove close drive crescent way court gardens place terrace
    view walk row hill square mews parade rise green vale park primary academy school high
    infants juniors college university trust council hospital hospice centre center house
    hall church chapel mosque temple bridge station day line estate library foundation
    society club fund bank group ltd limited plc nagar marg colony appeal office advice
    service services department ministry agency police commission party government authority
    union cross crown act credit allowance benefit insurance programme fair festival week
    month awards नगर मार्ग रोड मैदान अस्पताल स्कूल विद्यालय विद्या मंदिर कॉलोनी चौक पार्क
    बाज़ार बाजार अपार्टमेंट ट्रस्ट संस्था योजना जयंती भवन सेतु पुल स्टेशन
    """
)
PLACE_PREFIXES = frozenset({"st", "saint", "mount", "lake", "port", "fort", "cape", "new"})


def _cues(words: str) -> re.Pattern[str]:
    alternatives = "|".join(line.strip() for line in words.strip().splitlines() if line.strip())
    # Devanagari has no \b at its vowel signs: a cue starts after a non-letter.
    return re.compile(rf"(?<![\w\u0900-\u097F])(?:{alternatives})", re.IGNORECASE)


# Hurting someone, said in the active voice ("X assaulted a woman"): the doer is accused.
# In the passive ("X was assaulted") the named person is the victim: a match that starts
# with one of _AUX (the `passive` groups) is not an accusation, and VICTIM finds it instead.
_AUX = "was|were|been|being|got|get|gets"
_ACTIVE = "assault(?:ed|s)?|abused|raped|stabbed|stabs|mugged|robbed|robs|strangled|punched"
# Verbs also said of things ("attacked the plan", "beat the record"): only with a person after.
_ACTIVE_ON_SOMEONE = "attack(?:ed|s|ing)|beat(?:s|ing)?|hit(?:s|ting)?|kick(?:ed|s|ing)|slapped"
_SOMEONE = (
    "his|her|him|them|their|my|your|a|an|another|two|three|four|several|people|children"
    "|kids|women|men|woman|man|girl|boy|girls|boys|wife|husband|partner"
)

ACCUSATION = _cues(
    rf"""
    arrest\w*|charged|charges?\b|accus\w*|alleg\w*|suspect\w*|convict\w*|guilty|plead\w*
    jail\w*|prison\w*|sentenc\w*|remanded|custody|cautioned|court\b|magistrates|tribunal
    trial\b|prosecut\w*|sued|suing|lawsuit|fined|fines\b|fraud\w*|scam\w*|thie(?:f|ves)
    steal\w*|stole\w*|theft|nicked|shoplift\w*|burgl\w*|drugs?\b|dealer|dealing
    fly-?tipp\w*|dumping|dumped|graffiti|vandal\w*|misconduct|struck off|restraining order
    stalking|owes\b|debts?\b|evict\w*|arrears|neglect\w*|abuser|bully\b|criminal|crook
    offender|paedophile|pedophile|is behind|shame on|named and shamed|took the (?:\w+ )?money
    fiddl\w*|embezzl\w*|brib\w*|drink[- ]driv\w*|led away|questioned|police custody
    murder(?:ed|er)?|killed|wanted by
    rapist|rapes\b|abus(?:es|ive|ing)\b|molest\w*|groped|gropes\b|assaulting
    (?:(?P<passive>{_AUX})\s+(?:\w+ly\s+)?)?(?:{_ACTIVE})\b
    (?:(?P<passive2>{_AUX})\s+(?:\w+ly\s+)?)?(?:{_ACTIVE_ON_SOMEONE})\s+(?:up\s+)?(?:{_SOMEONE})\b
    गिरफ्तार|गिरफ़्तार|आरोप|चोर|धोखा|धोखाधड़ी|धोखेबाज़|धोखेबाज|ठग|मुकदमा|मुक़दमा|केस\b
    अदालत|कोर्ट|जेल|दोषी|सज़ा|सजा|एफआईआर|रिश्वत|घूस|पकड़ा|पकड़े|नशे|नशा|धंधा|मारपीट
    हड़प|फ़र्ज़ी|फर्जी|अपराधी|निलंबित|लापरवाही|गलत फायदा|ग़लत फ़ायदा|अफ़वाह|अफवाह|बदमाश
    गुंडा|हत्या|शराब पीकर|बलात्कारी|दुष्कर्मी|चुराया|चुराई|चुराए
    (?:लूट(?:ा|ी|े|\s+लिया|\s+ली|\s+लिए)|चाकू\s+मार(?:ा|ी|े|\s+दिया|\s+दी))(?!\s*(?:गया|गई|गए))
    """
)
BENEFITS = _cues(
    r"""
    benefits?\b|universal credit|pip\b|housing benefit|jobseeker\W?s allowance|jsa\b|esa\b
    on the dole|dole\b|on the sick|welfare|unemployed
    पेंशन|राशन कार्ड|बीपीएल|मनरेगा
    """
)
IMMIGRATION = _cues(
    r"""
    immigra\w*|asylum|refugee\w*|deport\w*|visa\b|overstay\w*|home office|illegal\w*
    without papers|undocumented|migrant|leave to remain
    घुसपैठ\w*|घुसपैठिया|घुसपैठिए|बांग्लादेशी|वीज़ा|वीजा|अवैध|शरणार्थी|वापस भेजो|प्रवासी
    """
)
HEALTH = _cues(
    r"""
    diagnos\w*|cancer|tumou?r|hiv\b|aids\b|depress\w*|anxiety|dementia|alzheimer\w*
    schizophreni\w*|bipolar|psychosis|sectioned|mental health act|mentally ill|mental illness
    rehab\b|alcoholic|addict\w*|heroin|cocaine|overdose|hospital\w*|hospice|miscarriage
    pregnan\w*|abortion|dialysis|blind\b|deaf\b|disabled|disabilit\w*|wheelchair|autis\w*
    adhd|stroke\b|heart attack|with (?:his|her) heart|diabet\w*|epilep\w*|terminal\w*|chemo\w*
    off sick|on the sick|patient\b|suicid\w*|self-harm\w*|tuberculosis|\btb\b
    कैंसर|एचआईवी|एड्स|टीबी|बीमार|अस्पताल|इलाज|मानसिक|पागल|गर्भवती|विकलांग|दिव्यांग
    डायलिसिस|भर्ती
    """
)
# What is done to a victim, after "was", "been" …
_HURT = (
    "assaulted|attacked|raped|stabbed|mugged|robbed|beaten|abused|stalked|harassed|punched|"
    "kicked|threatened|murdered|killed|knocked down|groomed|trafficked|bullied|kidnapped|"
    "shot|injured"
)
VICTIM = _cues(
    rf"""
    victim\w*|survivor|raped|sexually assaulted|domestic (?:abuse|violence)
    (?:was|were|been|being|got) (?:sexually |badly |brutally )?(?:{_HURT})
    (?:racist|homophobic|vicious|violent|sexual) (?:attack|assault)
    stalked (?:her|him)|at the hands of|attacked by|beaten up
    पीड़ित|पीड़िता|दुष्कर्म|बलात्कार|छेड़छाड़|प्रताड़ित|प्रताड़ना|पीटा|पीटी|मारा\b|धमकी|धमकियाँ|दहेज
    हमला|घर से निकाल
    """
)

# A child: an age under 18 right after the name, or a school, a school year or "pupil".
CHILD_AGE = re.compile(
    r"^\s*(?:,\s*(?:aged\s+)?|\(\s*(?:aged\s+)?|\s+(?:is|was)\s+(?:only\s+|just\s+)?|\s+aged\s+)"
    r"(\d{1,2})\b(?!\s*(?:years?|yrs?)\s+(?:ago|since))"
    r"|^\s*,?\s*(?:उम्र|आयु)?\s*\(?\s*(\d{1,2})\s*(?:साल|वर्ष)"
)
CHILD_CONTEXT = re.compile(
    r"\b(?:pupil|schoolboy|schoolgirl|year \d{1,2}\b|in care\b|goes to school"
    r"|(?:[A-Z][\w'’]+\s+){1,3}"
    r"(?:Primary|Infants|Juniors|Academy|High|Grammar|Nursery|Comprehensive)\b)"
    r"|(?:स्कूल|विद्यालय|विद्या मंदिर).{0,40}(?:पढ़ता|पढ़ती|छात्र|छात्रा|कक्षा|जाता|जाती|आता|आती)"
    r"|कक्षा\s+में|(?:छात्र|छात्रा)\b|(?:उम्र|आयु)\s+\d{1,2}\s+(?:साल|वर्ष)"
)
