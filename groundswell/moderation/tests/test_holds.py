from __future__ import annotations

from groundswell.moderation import holds


def test_whole_words_only_and_capitals_do_not_matter() -> None:
    assert holds.held_phrases("A classic case", ["ass"]) == []
    assert holds.held_phrases("Bad ASS move", ["ass"]) == ["ass"]
    assert holds.held_phrases("meet at Mill Lane, 9pm", ["mill lane"]) == ["mill lane"]
    assert holds.held_phrases("meet at Mill Lanes", ["mill lane"]) == []


def test_a_hindi_vowel_sign_is_part_of_the_word() -> None:
    # "कम" (less) must not hold "कमी" (shortage): the vowel sign ी is a mark, not a gap.
    assert holds.held_phrases("पानी की कमी है", ["कम"]) == []
    assert holds.held_phrases("बहुत कम पानी", ["कम"]) == ["कम"]


def test_each_occurrence_is_found_with_its_place() -> None:
    found = holds.find("spam, more SPAM", ["spam", " ", ""])
    assert [(h.start, h.end) for h in found] == [(0, 4), (11, 15)]
