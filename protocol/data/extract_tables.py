#!/usr/bin/env python3
"""Extracts the spec's code tables into the TSV files beside this script.

    python3 protocol/data/extract_tables.py [SPEC_TXT]

SPEC_TXT defaults to ../shared/spec/allinpay-mobile-sdk-merchant-spec-v2.7.txt relative to
the workspace root. The text version of the spec already has one line per table row, cells
separated by TABs; this script copies the cells as printed, with these exceptions:

- §6.1: the PDF wrapped four long identifiers inside the EB0001_1000xx cells and the
  extraction joined the pieces with a space (`TO_BE HIND`, `KEY_IS _EMPTY`, `ACCES S_ID`,
  `CONFI G_ERROR`); EF0001_000007's prompt wrapped between 其他 and 银行卡 (U00004_000005
  prints the same words without a space). Those spaces are removed (WRAP_FIXES).
- §3.8: the refund-query error table prints the codes under 错误描述 and the texts under
  错误码; the TSV has the columns the right way round (code, description). The first
  column (失败: 1..11) is a row number and is dropped.
- §6.2 / §6.3: copied as printed, including §6.2's `0 或 156` and its 032 for 澳元.

Everything else (typos such as 部正确, codes listed twice, half- and full-width punctuation,
the spaces the extraction put around Latin words) is kept exactly.
"""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SPEC = os.path.join(
    HERE, "..", "..", "..", "shared", "spec", "allinpay-mobile-sdk-merchant-spec-v2.7.txt"
)

WRAP_FIXES = {
    "WBANK_CONNECTION_PARAM_TO_BE HIND_BANK_URL_IS_EMPTY": "WBANK_CONNECTION_PARAM_TO_BEHIND_BANK_URL_IS_EMPTY",
    "WBANK_CONNECTION_PARAM_KEY_IS _EMPTY": "WBANK_CONNECTION_PARAM_KEY_IS_EMPTY",
    "WBANK_CONNECTION_PARAM_ACCES S_ID_IS_EMPTY": "WBANK_CONNECTION_PARAM_ACCESS_ID_IS_EMPTY",
    "WBANK_CONNECTION_PARAM_CONFI G_ERROR": "WBANK_CONNECTION_PARAM_CONFIG_ERROR",
    "请尝试其他 银行卡": "请尝试其他银行卡",
}


def section(lines, start_marker, header, end_marker):
    """The table rows after `header` (following `start_marker`) up to `end_marker`."""
    i = lines.index(start_marker)
    j = lines.index(header, i)
    rows = []
    for line in lines[j + 1 :]:
        if line == end_marker or line.startswith(end_marker):
            break
        if line.strip():
            rows.append(line)
    return rows


def cells(line, n):
    parts = line.split("\t")
    if len(parts) != n:
        sys.exit(f"expected {n} cells: {line!r}")
    if any(p != p.strip() or not p for p in parts):
        sys.exit(f"empty or padded cell: {line!r}")
    return parts


def fix_wraps(text):
    for broken, joined in WRAP_FIXES.items():
        text = text.replace(broken, joined)
    return text


def write(name, header, rows):
    with open(os.path.join(HERE, name), "w", encoding="utf-8", newline="\n") as f:
        f.write("\t".join(header) + "\n")
        for r in rows:
            for c in r:
                assert "\t" not in c and "\n" not in c
            f.write("\t".join(r) + "\n")
    print(f"{name}: {len(rows)} rows")


def main():
    spec = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_SPEC
    with open(spec, encoding="utf-8") as f:
        lines = [l.rstrip("\n") for l in f]

    # §6.1
    rows = section(lines, "6.1 错误码", "错误码\t错误说明\t转义后前端提示语", "6.2 ")
    errors = []
    used = set()
    for line in rows:
        code, desc, prompt = cells(line, 3)
        fixed = (code, fix_wraps(desc), fix_wraps(prompt))
        for b in WRAP_FIXES:
            if b in desc or b in prompt:
                used.add(b)
        errors.append(fixed)
    missing = set(WRAP_FIXES) - used
    if missing:
        sys.exit(f"wrap fixes not applied: {missing}")
    write("error_codes.tsv", ["code", "description", "prompt"], errors)

    # §3.8 退款查询错误码 (columns swapped in the spec)
    rows = section(lines, "退款查询错误码及描述：", "失败\t错误码\t错误描述", "1) ")
    refund = []
    for n, line in enumerate(rows, 1):
        num, desc, code = cells(line, 3)
        if num != str(n) or not code.isdigit() or len(code) != 3:
            sys.exit(f"unexpected refund-query error row: {line!r}")
        refund.append((code, desc))
    write("refund_query_errors.tsv", ["code", "description"], refund)

    # §6.2 / §6.3
    cb = section(lines, "6.2 跨境支付支持币种类型", "币种代码\t币种描述", "6.3 ")
    write("currencies_6_2.tsv", ["code", "description"], [cells(l, 2) for l in cb])
    ic = section(lines, "6.3 国际卡支付支持币种类型", "币种代码\t币种描述", "\x00")
    write("currencies_6_3.tsv", ["code", "description"], [cells(l, 2) for l in ic])


if __name__ == "__main__":
    main()
