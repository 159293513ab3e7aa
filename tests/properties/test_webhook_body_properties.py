"""Properties of the webhook body: whatever a signed body holds, it is read into something the database
stores, or refused as Unreadable (stored as text and acknowledged): never another exception, a 500 that
aNewSpring retries until it gives up."""

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from subscriptions.webhooks import Unreadable, delivery_identity, payload_parse
from tests.properties.strategies import any_character, hostile_piece, hostile_text

json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), hostile_text)
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(hostile_text, inner, max_size=4)), max_leaves=20)
# Raw JSON text with hostile pieces where a value or a key would be: numbers too large for a float,
# escaped lone surrogates and NULs, constants JSON does not have.
raw_values = st.sampled_from(["1e999", "-1e999", "1" + "0" * 5000, "NaN", "Infinity", '"\\ud800"', '"\\udfff\\ud800"',
                              '"\\u0000"', '"\\ud83d\\ude00"', "[" * 50 + "]" * 50, "0.1e-999", '"\\x01"'])


def assert_storable(body: bytes) -> None:
    try:
        payload = payload_parse(body)
    except Unreadable:
        return
    text = json.dumps(payload, allow_nan=False, ensure_ascii=False)  # no Infinity or NaN for PostgreSQL
    text.encode("utf-8")  # no lone surrogate
    assert "\\u0000" not in text
    delivery_identity(payload)


@settings(max_examples=300, deadline=None)
@given(payload=st.dictionaries(hostile_text, json_values, max_size=5))
def test_any_json_object_is_stored_or_refused_as_unreadable(payload):
    assert_storable(json.dumps(payload).encode("utf-8", "surrogatepass"))
    assert_storable(json.dumps(payload, ensure_ascii=False).encode("utf-8", "surrogatepass"))


@settings(max_examples=300, deadline=None)
@given(key=st.one_of(hostile_text, raw_values), value=raw_values)
def test_hostile_raw_json_is_stored_or_refused_as_unreadable(key, value):
    assert_storable(f'{{"event": "x", "k": {value}, {json.dumps(key)}: {value}}}'.encode("utf-8", "surrogatepass"))


@settings(max_examples=300, deadline=None)
@given(body=st.one_of(st.binary(max_size=200),
                      st.lists(st.one_of(hostile_piece, any_character, st.sampled_from(["{", "}", '"', ":"])),
                               max_size=30).map(lambda parts: "".join(parts).encode("utf-8", "surrogatepass"))))
def test_any_bytes_are_stored_or_refused_as_unreadable(body):
    assert_storable(body)
