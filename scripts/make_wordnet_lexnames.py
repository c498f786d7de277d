"""Write metrics/data/wordnet_lexnames.tsv from the lexnames(5WN) manual page.

nltk's WordNet reader opens a `lexnames` file (lexicographer file number, name, syntactic
category) that Debian's `wordnet-base` package does not install, although the same package
ships its manual page, which lists all 45 rows. Run once after `apt-get install wordnet-base`:

    python scripts/make_wordnet_lexnames.py [/usr/share/man/man5/lexnames.5WN.gz]
"""

from __future__ import annotations

import gzip
import re
import sys
from pathlib import Path

MAN_PAGE = Path("/usr/share/man/man5/lexnames.5WN.gz")
TARGET = Path(__file__).resolve().parents[1] / "metrics" / "data" / "wordnet_lexnames.tsv"
CATEGORY = {"noun": 1, "verb": 2, "adj": 3, "adv": 4}  # the page's "Syntactic Category" table
ROW = re.compile(r"^(\d\d)\s+((?:noun|verb|adj|adv)\.\w+)\s", re.MULTILINE)


def lexnames_from_man_page(text: str) -> str:
    rows = ROW.findall(text)
    if [int(number) for number, _ in rows] != list(range(45)):
        raise SystemExit("the manual page does not list files 00-44 in order; not lexnames(5WN)")
    return "".join(f"{n}\t{name}\t{CATEGORY[name.split('.')[0]]}\n" for n, name in rows)


def main() -> None:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else MAN_PAGE
    opener = gzip.open if source.suffix == ".gz" else open
    with opener(source, "rt", encoding="utf-8") as handle:
        TARGET.write_text(lexnames_from_man_page(handle.read()), encoding="utf-8")
    print(f"wrote {TARGET} from {source}")


if __name__ == "__main__":
    main()
