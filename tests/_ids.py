"""Made-up resident ID numbers for tests, with the check digit computed independently of
simulate.io.idnumber (ISO 7064 MOD 11-2 as written in GB 11643-1999)."""


def check_char(first17: str) -> str:
    """Sum a_i * 2^(17-i) mod 11, mapped through 10X98765432."""
    total = sum(int(d) * (2 ** (17 - i) % 11) for i, d in enumerate(first17))
    return "10X98765432"[total % 11]


def make_id(region: str, birth: str, seq: str) -> str:
    first17 = region + birth + seq
    assert len(first17) == 17
    return first17 + check_char(first17)
