"""The float a scenario's YAML gives, with the text it was written as (``io.safeyaml`` makes
them): its own module, without PyYAML, so that a scenario kept validated
(``policy.scenario_cache``) comes back without loading the YAML reader."""

from __future__ import annotations


class YamlFloat(float):
    """A float read from YAML that remembers its text, so amounts are checked exactly."""

    text: str

    def __new__(cls, text: str):  # noqa: ANN204
        # YAML writes .nan and .inf; Python's float() wants nan and inf
        value = float(text.lower().replace(".nan", "nan").replace(".inf", "inf"))
        obj = super().__new__(cls, value)
        obj.text = text
        return obj

    def __reduce__(self):  # copy, deepcopy and pickle (worker processes) keep the text
        return (YamlFloat, (self.text,))
