#!/usr/bin/env python3
"""A naive Allinpay MD5 signer, as merchant integration code typically writes it (§5.1/§5.2):
build the sign source by string concatenation over the non-empty fields in table order,
append key=KEY, md5, hex, upper case.

Signs N messages (default 100,000; the same ones as benches/examples/peer_signer.rs and
naive_signer.php) and prints messages/second and a checksum of all signatures.
Only the signing loop is timed; the messages are built first.
"""
import hashlib
import sys
import time

KEY = "1234567890"


def message(i):
    # The §5.2 example with a distinct order number, amount and datetime per message.
    return {
        "inputCharset": "1",
        "receiveUrl": "http://ceshi.allinpay.com/demo/eshop/recv-pay-result/recv.do",
        "version": "v1.0",
        "language": "",
        "signType": "0",
        "merchantId": "100020091218001",
        "orderNo": "NO%018d" % i,
        "orderAmount": str(i % 100000 + 1),
        "orderCurrency": "",
        "orderDatetime": "201507%02d%02d%02d%02d"
        % (i % 28 + 1, i // 3600 % 24, i // 60 % 60, i % 60),
        "productName": "笔记本电脑",
        "ext1": "",
        "payType": "00",
        "issuerId": "",
        "tradeNature": "",
    }


def sign(params, key):
    src = ""
    for name, value in params.items():
        if value != "":
            src += name + "=" + value + "&"
    src += "key=" + key
    return hashlib.md5(src.encode("utf-8")).hexdigest().upper()


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100000
    messages = [message(i) for i in range(n)]
    start = time.perf_counter()
    signatures = [sign(m, KEY) for m in messages]
    elapsed = time.perf_counter() - start
    checksum = hashlib.md5("".join(signatures).encode()).hexdigest().upper()
    print(
        "python %d messages in %.3f s: %.0f messages/s first %s checksum %s"
        % (n, elapsed, n / elapsed, signatures[0], checksum)
    )


if __name__ == "__main__":
    main()
