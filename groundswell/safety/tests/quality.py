"""Print the guard's measured quality on the labelled set, as docs/safety.md shows it.

PYTHONPATH=$PWD python -m groundswell.safety.tests.quality [--misses]
"""

import os
import sys

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "groundswell.settings")
    django.setup()
    from groundswell.safety.tests.labelled import PARTS, PROBE, evaluate, load

    rows = [("part", "language", "texts", "text P", "text R", "span P", "span R")]
    for part in (*PARTS, PROBE):
        samples = load(part)
        for lang in ("all", "en", "hi"):
            chosen = [s for s in samples if lang == "all" or s.lang == lang]
            report = evaluate(chosen)
            rows.append(
                (
                    part,
                    lang,
                    str(report.texts),
                    f"{report.per_text.precision:.2f}",
                    f"{report.per_text.recall:.2f}",
                    f"{report.per_span.precision:.2f}",
                    f"{report.per_span.recall:.2f}",
                )
            )
            # Only the tuning part's misses: reading the held-out ones would be tuning on them.
            if part == "tuning" and lang == "all" and "--misses" in sys.argv:
                print("\n".join(report.misses), file=sys.stderr)  # noqa: T201
    for row in rows:
        print("| " + " | ".join(row) + " |")  # noqa: T201


if __name__ == "__main__":
    main()
