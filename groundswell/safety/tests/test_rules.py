"""What each rule flags and, as much, what it must leave alone."""

import itertools

import pytest

from groundswell.safety.allowlist import Allowlist, fold
from groundswell.safety.guard import scan

OURS = Allowlist(
    names=frozenset({fold("Riverwatch Trust"), fold("Helen Marsh")}),
    domains=frozenset({"riverwatch.example"}),
)


def flagged(text: str, allowlist: Allowlist = OURS) -> list[tuple[str, str]]:
    return [(f.kind, f.text) for f in scan(text, allowlist=allowlist)]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Gemma Bracewell was arrested for theft.", [("named_person", "Gemma Bracewell")]),
        ("Mr Hollis Grange appeared in court today.", [("named_person", "Mr Hollis Grange")]),
        ("We know Ravi Tandon is on benefits.", [("named_person", "Ravi Tandon")]),
        ("Ines Carvalho overstayed her visa.", [("named_person", "Ines Carvalho")]),
        ("Poor Derek Fanshaw has dementia now.", [("named_person", "Derek Fanshaw")]),
        ("Orla Finnegan was stabbed in the park.", [("victim", "Orla Finnegan")]),
        ("Jack Whittle, 12, goes to Bankside Primary.", [("child", "Jack Whittle")]),
        ("विजय तिवारी को पुलिस ने गिरफ्तार किया।", [("named_person", "विजय तिवारी")]),
        ("श्रीमती सरला को कैंसर है।", [("named_person", "श्रीमती सरला")]),
        ("पीड़िता रेखा यादव ने शिकायत की।", [("victim", "रेखा यादव")]),
        ("अमन, 9 साल, स्कूल जाता है।", []),  # अमन is not in the list: an honest miss
        ("मोहित, 9 साल, रोज़ स्कूल जाता है।", [("child", "मोहित")]),
    ],
)
def test_it_flags_named_people_with_what_must_not_be_said_of_them(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert flagged(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "A 34-year-old man was arrested on suspicion of burglary.",
        "The chief constable said arrests were up.",
        "Councillor Jane Pardoe voted against the cuts to benefits.",
        "Helen Marsh, the council leader, was accused of lying by the opposition.",
        "Riverwatch Trust lost its court case.",
        "Thanks to Gemma Bracewell for running the stall.",
        "Dr Olu Bamidele will talk about cancer screening.",
        "Victoria Road and Nelson Street are closed; St George's Hospital is open.",
        "The Home Office publishes asylum figures every quarter.",
        "Tickets are free for anyone on Universal Credit.",
        "विधायक सुरेश पांडे ने अस्पताल का उद्घाटन किया।",
        "गांधी नगर में चोरी की घटनाएँ बढ़ी हैं।",
    ],
)
def test_it_leaves_public_roles_places_and_unnamed_people_alone(text: str) -> None:
    assert flagged(text) == []


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "He lives at 14 Elm Grove, Leeds LS6 2QT.",
            [("address", "14 Elm Grove"), ("postcode", "LS6 2QT")],
        ),
        (
            "पता: मकान नंबर 7, गली नंबर 2, दिल्ली 110092",
            [("address", "मकान नंबर 7, गली नंबर 2"), ("postcode", "110092")],
        ),
        ("Her car is KX68 PFA.", [("plate", "KX68 PFA")]),
        ("The jeep MH 12 AB 1234 blocked the lane.", [("plate", "MH 12 AB 1234")]),
        ("NI number JT 48 26 91 B", [("national_id", "JT 48 26 91 B")]),
        ("आधार 7260 1815 9082", [("national_id", "7260 1815 9082")]),
        ("SSN 512-38-4471", [("national_id", "512-38-4471")]),
        ("NHS number 398 259 7919", [("national_id", "398 259 7919")]),
        ("PAN ABCPK1234F", [("national_id", "ABCPK1234F")]),
        ("Date of birth: 02/11/1990", [("date_of_birth", "02/11/1990")]),
        ("उसका जन्म 3 मार्च 1990 को हुआ", [("date_of_birth", "3 मार्च 1990")]),
        ("See @kayla.m.jones on Instagram", [("handle", "@kayla.m.jones")]),
        ("His page: facebook.com/sam.tilbury.5", [("handle", "facebook.com/sam.tilbury.5")]),
    ],
)
def test_it_flags_addresses_plates_ids_birth_dates_and_handles(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert flagged(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Registered charity number 1098765; company number 07234567.",
        "Our office is at 10 Canal Street, Manchester M1 3HE.",
        "Follow us @riverwatchtrust for news, or call our helpline on 0800 048 7200.",
        "The charity was founded on 3 May 1989.",
        "Twelve digits starting with 1 are no Aadhaar number: 1234 5678 9012.",
        "Twelve digits failing the Verhoeff check: 7260 1815 9083.",
        "Model number AB12 CDE is a kettle.",
        "Email info@riverwatch.example or press@council.example.",
        "The A38 and M62 were closed; take the number 36 bus.",
        "संस्था का पंजीकरण संख्या 45/2011 है।",
    ],
)
def test_it_leaves_figures_that_identify_no_one_alone(text: str) -> None:
    assert flagged(text) == []


def test_a_name_on_the_allow_list_is_not_flagged_but_another_with_its_given_name_is() -> None:
    allowlist = Allowlist(names=frozenset({fold("Gemma Bracewell")}))
    assert flagged("Gemma Bracewell was arrested.", allowlist) == []
    assert flagged("Ms Bracewell was arrested.", allowlist) == []
    assert flagged("Gemma Tolland was arrested.", allowlist) == [("named_person", "Gemma Tolland")]


def test_findings_are_sorted_non_overlapping_and_carry_their_own_text() -> None:
    text = (
        "Carol Nuttall (DOB 04/07/1969) of 14 Fern Street, S10 2BL, was convicted of theft; "
        "ring 07700 900612 or mail carol.n@mail.example."
    )
    findings = scan(text)
    assert [f.kind for f in findings] == [
        "named_person", "date_of_birth", "address", "postcode", "phone", "email",
    ]  # fmt: skip
    for before, after in itertools.pairwise(findings):
        assert before.end <= after.start
    for finding in findings:
        assert text[finding.start : finding.end] == finding.text
        assert finding.reason


@pytest.mark.parametrize(
    "text, expected",
    [
        # A post on its own is nobody's name.
        ("The Chief Constable was accused of a cover-up.", []),
        ("The Home Secretary was accused of lying.", []),
        ("The Police and Crime Commissioner was accused of lying.", []),
        # A role attached to a name: before it, after it, or in apposition.
        ("The Chief Constable, Sarah Connolly, was accused of a cover-up.", []),
        ("Chief Constable Sarah Connolly was accused of a cover-up.", []),
        ("Jane Pardoe MP was accused of lying.", []),
        ("PC Mark Lowe was suspended for misconduct.", []),
        ("Jane Pardoe, the local MP, was accused of lying.", []),
        # A role elsewhere in the sentence is someone else's.
        ("The judge said Darren Walsh was arrested.", [("named_person", "Darren Walsh")]),
        ("The inspector said Darren Walsh was arrested.", [("named_person", "Darren Walsh")]),
        (
            "After speaking to the inspector, Darren Walsh was arrested.",
            [("named_person", "Darren Walsh")],
        ),
        ("The judge's son Darren Walsh was arrested.", [("named_person", "Darren Walsh")]),
        # A surname that is also a role word is still a name.
        ("Sarah Bishop was arrested for theft.", [("named_person", "Sarah Bishop")]),
    ],
)
def test_a_role_exempts_only_the_name_it_is_attached_to(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert flagged(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Darren Walsh assaulted a woman.", [("named_person", "Darren Walsh")]),
        ("Darren Walsh abuses his children.", [("named_person", "Darren Walsh")]),
        ("Darren Walsh raped her.", [("named_person", "Darren Walsh")]),
        ("Darren Walsh stabbed a man outside the pub.", [("named_person", "Darren Walsh")]),
        ("Darren Walsh beat his wife.", [("named_person", "Darren Walsh")]),
        ("Darren Walsh robbed the corner shop.", [("named_person", "Darren Walsh")]),
        ("Darren Walsh is a rapist.", [("named_person", "Darren Walsh")]),
        ("राकेश बलात्कारी है।", [("named_person", "राकेश")]),
        ("राकेश ने दुकान लूट ली।", [("named_person", "राकेश")]),
        # The passive voice names the one hurt.
        ("Orla Finnegan was raped in the park.", [("victim", "Orla Finnegan")]),
        ("Orla Finnegan was sexually assaulted.", [("victim", "Orla Finnegan")]),
        ("Orla Finnegan was robbed at the bus stop.", [("victim", "Orla Finnegan")]),
        ("Orla Finnegan got attacked by a gang.", [("victim", "Orla Finnegan")]),
        # Said of a thing, not a person: nothing.
        ("Darren Walsh attacked the plan in his speech.", []),
        ("Darren Walsh beat the record again.", []),
    ],
)
def test_a_crime_in_the_active_voice_accuses_and_in_the_passive_names_a_victim(
    text: str, expected: list[tuple[str, str]]
) -> None:
    assert flagged(text) == expected


def arabic_indic(figures: str) -> str:
    return figures.translate({ord("0") + i: 0x0660 + i for i in range(10)})


@pytest.mark.parametrize(
    "text, kind, figure",
    [
        ("उसका नंबर ९८७६५४३२१० है", "phone", "९८७६५४३२१०"),
        ("आधार ७२६० १८१५ ९०८२", "national_id", "७२६० १८१५ ९०८२"),
        ("Date of birth: ০২/১১/১৯৯০", "date_of_birth", "০২/১১/১৯৯০"),
        (
            "Ring " + arabic_indic("07700 900612") + " tonight",
            "phone",
            arabic_indic("07700 900612"),
        ),
    ],
)
def test_digits_of_any_script_are_read_and_quoted_as_written(
    text: str, kind: str, figure: str
) -> None:
    findings = scan(text)
    assert [(f.kind, f.text) for f in findings] == [(kind, figure)]
    # Offsets are into the text as written.
    assert text[findings[0].start : findings[0].end] == figure


def test_a_one_word_allowed_name_is_no_part_of_a_longer_name() -> None:
    allowlist = Allowlist(names=frozenset({fold("Kumar"), fold("Riverwatch")}))
    assert flagged("Kumar was arrested for theft.", allowlist) == []
    assert flagged("Ramesh Kumar was arrested for theft.", allowlist) == [
        ("named_person", "Ramesh Kumar")
    ]
    assert flagged("Dr Kumar was arrested for theft.", allowlist) == []
    # A two-word entry still covers its surname alone and itself inside a longer run.
    allowlist = Allowlist(names=frozenset({fold("Gemma Bracewell")}))
    assert flagged("Mrs Gemma Bracewell was arrested.", allowlist) == []
