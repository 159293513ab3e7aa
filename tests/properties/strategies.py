"""Hostile values for the property tests: what a browser, a CSV file or a signed webhook may carry."""

from hypothesis import strategies as st

# Characters that broke something once, or would: NUL and other controls, bidirectional overrides, lone
# surrogates, non-characters, digits that are not 0-9, path pieces, and percent-encoded versions of them.
HOSTILE_PIECES = ["\x00", "\x01", "\x1b", "\x7f", "\x85", "\x9b", "\u202e", "\u2066", "\u200f", "\ud800", "\udfff",
                  "\ufffe", "\uffff", "²", "３", "٣", "߀", ".", "..", "/", "\\", "%00", "%2E", "%2F", "\t", "\n", "\r",
                  "1e999", "-0", "9" * 30, ",", ";", "=", "'", '"']
hostile_piece = st.sampled_from(HOSTILE_PIECES)
# Any code point, surrogates included (st.text leaves them out).
any_character = st.characters(codec=None, exclude_categories=())
hostile_text = st.lists(st.one_of(hostile_piece, st.text(max_size=4), any_character), max_size=12).map("".join)
huge_text = st.sampled_from(["a" * 10_000, "9" * 5_000, "\x1b" * 1_000, "." * 300, "19/" + "3" * 400])
any_text = st.one_of(hostile_text, huge_text)
hostile_date_text = st.one_of(
    st.sampled_from(["0001-01-01", "9999-12-31", "1899-12-31", "２０２６-01-01", "2026-02-30", "99999-01-01",
                     "2026-1-1", "01-01-2026", "", "-1", "2026-01-01T00:00"]),
    st.dates().map(str), hostile_text)
