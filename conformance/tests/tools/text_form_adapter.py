#!/usr/bin/env python3
"""A verifier of the §3.8/§4.2/§4.4 texts that knows one signed-text form only, for
conformance/tests/adapters.rs (ERRATA E-3.8-TEXT).

It is the Python example adapter (examples/adapters/python/allinpay_adapter.py) with its
text forms cut down to FORM, answering `unsupported` to every request but `verify` of
refund-query-response, preauth-cancel-response and preauth-confirm-response.

    python3 text_form_adapter.py literal       # records joined by CRLF, none after the last
    python3 text_form_adapter.py terminated    # every record followed by CRLF
"""

import importlib.util
import json
import os
import sys

EXAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                       "..", "..", "..", "examples", "adapters", "python", "allinpay_adapter.py")
TEXTS = {"refund-query-response", "preauth-cancel-response", "preauth-confirm-response"}


def load_example():
    spec = importlib.util.spec_from_file_location("allinpay_adapter", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    for name in ("text_forms", "answer"):
        if not callable(getattr(module, name, None)):
            sys.exit(f"text_form_adapter.py: the example adapter has no {name}(); update this wrapper")
    return module


def main():
    if len(sys.argv) != 2 or sys.argv[1] not in ("literal", "terminated"):
        print("usage: text_form_adapter.py literal|terminated", file=sys.stderr)
        return 2
    form = sys.argv[1]
    example = load_example()
    every_form = example.text_forms

    def one_form(lines, blank_line=None, sig_line=None):
        forms = every_form(lines, blank_line, sig_line)
        if form not in forms:
            sys.exit(f"text_form_adapter.py: the example has no {form} form")
        return {form: forms[form]}

    example.text_forms = one_form
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        if req.get("op") == "verify" and req.get("message") in TEXTS:
            answer = example.answer(line)
        else:
            answer = {"unsupported": True}
        print(json.dumps(answer, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
