<?php
// A naive Allinpay MD5 signer, as merchant integration code typically writes it (§5.1/§5.2):
// build the sign source by string concatenation over the non-empty fields in table order,
// append key=KEY, md5(), strtoupper().
//
// Signs N messages (default 100,000; the same ones as benches/examples/peer_signer.rs and
// naive_signer.py) and prints messages/second and a checksum of all signatures.
// Only the signing loop is timed; the messages are built first.

const KEY = '1234567890';

function message(int $i): array
{
    // The §5.2 example with a distinct order number, amount and datetime per message.
    return [
        'inputCharset' => '1',
        'receiveUrl' => 'http://ceshi.allinpay.com/demo/eshop/recv-pay-result/recv.do',
        'version' => 'v1.0',
        'language' => '',
        'signType' => '0',
        'merchantId' => '100020091218001',
        'orderNo' => sprintf('NO%018d', $i),
        'orderAmount' => (string) ($i % 100000 + 1),
        'orderCurrency' => '',
        'orderDatetime' => sprintf('201507%02d%02d%02d%02d', $i % 28 + 1, intdiv($i, 3600) % 24, intdiv($i, 60) % 60, $i % 60),
        'productName' => '笔记本电脑',
        'ext1' => '',
        'payType' => '00',
        'issuerId' => '',
        'tradeNature' => '',
    ];
}

function sign(array $params, string $key): string
{
    $src = '';
    foreach ($params as $name => $value) {
        if ($value !== '' && $value !== null) {
            $src .= $name . '=' . $value . '&';
        }
    }
    $src .= 'key=' . $key;
    return strtoupper(md5($src));
}

$n = isset($argv[1]) ? (int) $argv[1] : 100000;
$messages = [];
for ($i = 0; $i < $n; $i++) {
    $messages[] = message($i);
}
$start = hrtime(true);
$signatures = [];
foreach ($messages as $m) {
    $signatures[] = sign($m, KEY);
}
$elapsed = (hrtime(true) - $start) / 1e9;
printf(
    "php %d messages in %.3f s: %.0f messages/s first %s checksum %s\n",
    $n, $elapsed, $n / $elapsed, $signatures[0], strtoupper(md5(implode('', $signatures)))
);
