// Example adapter for `allinpay-conformance run --adapter` (docs/adapter.md).
//
// A small, complete Java implementation of the Allinpay mobile-payment merchant protocol's
// signatures, written from the spec (v2.7) with the JDK alone (JDK 17: MessageDigest,
// Signature SHA1withRSA, CertificateFactory; no dependencies): MD5 signing (§5.1, §5.2),
// verification (§5.3) of name=value messages and of the text answers (§3.4, §3.8, §4.2,
// §4.4) with MD5 or the gateway certificate, and the §5.4 ext1 digest. `parse` and `check`
// are answered `unsupported` (skipped by the runner).
//
// It resists the attack battery (vectors/attack_*.json, docs/adapter.md): a blank key is
// refused, the merchant's `configuredSignType` is enforced (a message claiming another
// signType is invalid), payData naming a member twice is refused (the small JSON reader
// below refuses repeated names), and signatures are compared with MessageDigest.isEqual.
//
// Texts are verified in every signed-text form the evidence supports (`literal`,
// `terminated`, and `blank-line` for §3.4; the answer names the one that matched) and
// signed in the form the request's `textForm` names. MD5 hashes the bytes of the charset
// the message declares (`charset`: utf-8, gbk, gb2312 via Charset.forName("GBK");
// ERRATA E-CHARSET).
//
// One JSON request per line on stdin, one JSON answer per line on stdout. Verify answers
// carry `computed` (the MD5 signMsg computed, or the bytes a certificate signature was
// checked over) and `signMsg` (the signature as read): the runner names the mistake that
// produced them when a case fails. `side` (merchant or gateway) is not needed here: this
// code signs and verifies every message.
//
//   javac -d build examples/adapters/java/AllinpayAdapter.java
//   java -cp build AllinpayAdapter                                   the correct one
//   java -cp build AllinpayAdapter --broken alphabetical             fields sorted by name
//   java -cp build AllinpayAdapter --broken no-mcht-refund-order-no  §3.6 without
//                                       mchtRefundOrderNo (the official SDK's v1.3 list)

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public final class AllinpayAdapter {
    static String broken; // set by --broken
    /** A line feed without its carriage return (§3.4, §3.8: lines end in CRLF). */
    static final Pattern LF_ALONE = Pattern.compile("(?<!\r)\n");

    /** The input cannot be processed (answered as {"error": ...}). */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        Refused(String m) {
            super(m);
        }
    }

    // ---- Field tables ------------------------------------------------------------------
    // Field order of every table. S: signed; N: not signed (cardNo, §2.1);
    // X: international-card field (enters ext1, §5.4); G: signMsg itself.
    static final List<String> INTL = words(
            "ship_to_country ship_to_state ship_to_city ship_to_street1 ship_to_street2 "
            + "ship_to_phonenumber ship_to_postalcode ship_to_firstname ship_to_lastname "
            + "registration_name registration_email registration_phone buyerid_period fnpay_mode "
            + "bill_firstname bill_lastname expireddate cvv2 bill_email bill_country bill_address "
            + "bill_city bill_state bill_zip mdd07 mdd08 mdd09 mdd10 mdd11 mdd12 mdd13 mdd14 mdd15 "
            + "mdd16 mdd17 mdd18");

    static List<String> words(String s) {
        return List.of(s.split(" "));
    }

    static Map<String, Character> table(String signed) {
        Map<String, Character> t = new LinkedHashMap<>();
        for (String n : words(signed)) {
            t.put(n, 'S');
        }
        t.put("signMsg", 'G');
        return t;
    }

    static final Map<String, Map<String, Character>> FLAT = new LinkedHashMap<>();
    static final Map<String, List<String>> TEXTS = new LinkedHashMap<>();
    static final List<String> BATCH_RECORD = words( // §3.4 交易明细
            "merchantId paymentOrderId orderNo orderDatetime orderAmount payDatetime payAmount ext1 "
            + "ext2 payResult");
    static final List<String> BATCH_SUMMARY = words("merchantId count pageNo hasNextPage");
    // Messages the merchant signs: always MD5 with `&key=`, whatever signType says (§2.1
    // signType, ERRATA E-2.1-SIGNTYPE; §3.3 fixes signType 1 for the batch query).
    static final Set<String> MERCHANT = Set.of("pay-request", "order-query", "batch-query",
            "refund", "refund-query", "preauth-cancel", "preauth-confirm");
    // Signed-text forms (ERRATA E-3.8-TEXT, E-3.4-TEXT): `literal` = the lines joined by
    // CRLF, nothing after the last (§3.8 注释 2, what the official demo verifies);
    // `terminated` = every line followed by CRLF (the §3.8 example B93C478F…);
    // `blank-line` (§3.4 only) = every byte before the signature line, the blank line
    // included.
    static final List<String> TEXT_FORMS = List.of("literal", "terminated", "blank-line");

    static {
        Map<String, Character> payRequest = table( // §2.1
                "inputCharset receiveUrl version language signType merchantId orderNo orderAmount "
                + "orderCurrency orderDatetime productName ext1 payType issuerId tradeNature");
        payRequest.put("cardNo", 'N');
        for (String n : INTL) {
            payRequest.put(n, 'X');
        }
        Map<String, Character> payNotify = table( // §2.2.3 (and §3.2)
                "merchantId version language signType payType issuerId paymentOrderId orderNo "
                + "orderDatetime orderAmount payDatetime payAmount ext1 ext2 payResult errorCode "
                + "returnDatetime");
        FLAT.put("pay-request", payRequest);
        FLAT.put("pay-notify", payNotify);
        FLAT.put("order-query-response", payNotify);
        FLAT.put("order-query", table( // §3.1
                "merchantId version signType orderNo orderDatetime queryDatetime"));
        FLAT.put("batch-query", table( // §3.3
                "version merchantId beginDateTime endDateTime pageNo signType"));
        FLAT.put("refund", table( // §3.5
                "version signType merchantId orderNo refundAmount mchtRefundOrderNo orderDatetime"));
        FLAT.put("refund-response", table( // §3.6
                "merchantId version signType orderNo orderAmount orderDatetime refundAmount "
                + "refundDatetime refundResult mchtRefundOrderNo returnDatetime"));
        FLAT.put("refund-query", table( // §3.7 (signMsg added, ERRATA E-3.7-SIGNMSG)
                "version signType merchantId orderNo refundAmount refundDatetime mchtRefundOrderNo"));
        FLAT.put("preauth-cancel", table( // §4.1
                "merchantId version orderAmount currency orderNo orderDatetime signType"));
        FLAT.put("preauth-confirm", table( // §4.3
                "version merchantId orderAmount confirmAmount currency orderNo orderDatetime signType"));
        List<String> preauth = words("retCode retMsg version signType merchantId orderNo "
                + "orderDateTime orderAmount currency preAuthId transDateTime");
        TEXTS.put("refund-query-response", words( // §3.8
                "version signType merchantId orderNo refundAmount refundDatetime mchtRefundOrderNo "
                + "refundResult returnDatetime"));
        TEXTS.put("preauth-cancel-response", preauth); // §4.2
        TEXTS.put("preauth-confirm-response", preauth); // §4.4
    }

    // ---- A small JSON reader and writer ------------------------------------------------
    /** A JSON number, kept as written. */
    record Num(String text) {
    }

    static final Object NULL = new Object();

    /** Reads one JSON value; objects with a repeated member name are refused. */
    static final class Json {
        private final String s;
        private int i;

        Json(String s) {
            this.s = s;
        }

        static Object parse(String s) throws Refused {
            Json j = new Json(s);
            j.ws();
            Object v = j.value();
            j.ws();
            if (j.i != s.length()) {
                throw new Refused("JSON: data after the value");
            }
            return v;
        }

        private void ws() {
            while (i < s.length() && " \t\r\n".indexOf(s.charAt(i)) >= 0) {
                i++;
            }
        }

        private Refused bad(String what) {
            return new Refused("JSON: " + what + " at " + i);
        }

        private Object value() throws Refused {
            if (i >= s.length()) {
                throw bad("unexpected end");
            }
            char c = s.charAt(i);
            if (c == '{') {
                i++;
                Map<String, Object> m = new LinkedHashMap<>();
                ws();
                if (peek('}')) {
                    return m;
                }
                while (true) {
                    ws();
                    if (i >= s.length() || s.charAt(i) != '"') {
                        throw bad("expected a name");
                    }
                    String name = string();
                    ws();
                    expect(':');
                    ws();
                    Object v = value();
                    if (m.containsKey(name)) {
                        throw new Refused("member '" + name + "' given twice");
                    }
                    m.put(name, v);
                    ws();
                    if (peek('}')) {
                        return m;
                    }
                    expect(',');
                }
            }
            if (c == '[') {
                i++;
                List<Object> a = new ArrayList<>();
                ws();
                if (peek(']')) {
                    return a;
                }
                while (true) {
                    ws();
                    a.add(value());
                    ws();
                    if (peek(']')) {
                        return a;
                    }
                    expect(',');
                }
            }
            if (c == '"') {
                return string();
            }
            if (s.startsWith("true", i)) {
                i += 4;
                return Boolean.TRUE;
            }
            if (s.startsWith("false", i)) {
                i += 5;
                return Boolean.FALSE;
            }
            if (s.startsWith("null", i)) {
                i += 4;
                return NULL;
            }
            Matcher num = NUMBER.matcher(s).region(i, s.length());
            if (num.lookingAt()) {
                i = num.end();
                return new Num(num.group());
            }
            throw bad("unexpected character");
        }

        private static final Pattern NUMBER =
                Pattern.compile("-?(?:0|[1-9][0-9]*)(?:\\.[0-9]+)?(?:[eE][+-]?[0-9]+)?");

        private boolean peek(char c) {
            if (i < s.length() && s.charAt(i) == c) {
                i++;
                return true;
            }
            return false;
        }

        private void expect(char c) throws Refused {
            if (!peek(c)) {
                throw bad("expected '" + c + "'");
            }
        }

        private String string() throws Refused {
            i++; // the opening quote
            StringBuilder b = new StringBuilder();
            while (true) {
                if (i >= s.length()) {
                    throw bad("unterminated string");
                }
                char c = s.charAt(i++);
                if (c == '"') {
                    return b.toString();
                }
                if (c < 0x20) {
                    throw bad("control character in a string");
                }
                if (c != '\\') {
                    b.append(c);
                    continue;
                }
                if (i >= s.length()) {
                    throw bad("unterminated escape");
                }
                char e = s.charAt(i++);
                switch (e) {
                    case '"', '\\', '/' -> b.append(e);
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case 'u' -> {
                        if (i + 4 > s.length()) {
                            throw bad("short \\u escape");
                        }
                        try {
                            b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        } catch (NumberFormatException x) {
                            throw bad("bad \\u escape");
                        }
                        i += 4;
                    }
                    default -> throw bad("bad escape");
                }
            }
        }
    }

    static void writeJson(StringBuilder b, Object v) {
        if (v instanceof String str) {
            b.append('"');
            for (int k = 0; k < str.length(); k++) {
                char c = str.charAt(k);
                switch (c) {
                    case '"' -> b.append("\\\"");
                    case '\\' -> b.append("\\\\");
                    case '\n' -> b.append("\\n");
                    case '\r' -> b.append("\\r");
                    case '\t' -> b.append("\\t");
                    default -> {
                        if (c < 0x20 || Character.isSurrogate(c)) {
                            b.append(String.format("\\u%04x", (int) c));
                        } else {
                            b.append(c);
                        }
                    }
                }
            }
            b.append('"');
        } else if (v instanceof Map<?, ?> m) {
            b.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) {
                    b.append(',');
                }
                first = false;
                writeJson(b, e.getKey().toString());
                b.append(':');
                writeJson(b, e.getValue());
            }
            b.append('}');
        } else {
            b.append(v); // Boolean, Integer
        }
    }

    // ---- Helpers ---------------------------------------------------------------------------
    static Map<String, Object> answer(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int k = 0; k < kv.length; k += 2) {
            m.put((String) kv[k], kv[k + 1]);
        }
        return m;
    }

    static final Map<String, Object> UNSUPPORTED = answer("unsupported", true);

    @SuppressWarnings("unchecked")
    static Map<String, Object> object(Object v, String what) throws Refused {
        if (!(v instanceof Map)) {
            throw new Refused(what + " must be a JSON object");
        }
        return (Map<String, Object>) v;
    }

    static String str(Map<String, Object> req, String name) throws Refused {
        Object v = req.get(name);
        if (!(v instanceof String s)) {
            throw new Refused(name + " must be a string");
        }
        return s;
    }

    /** A field value as text: strings, integers; a null or absent value is empty. */
    static String textOf(Object v) throws Refused {
        if (v == null || v == NULL) {
            return "";
        }
        if (v instanceof String s) {
            return s;
        }
        if (v instanceof Num n && n.text().matches("-?[0-9]+")) {
            return new BigInteger(n.text()).toString();
        }
        throw new Refused("field values must be strings or integers");
    }

    static String md5Hex(byte[] data) throws Exception {
        byte[] d = MessageDigest.getInstance("MD5").digest(data);
        StringBuilder b = new StringBuilder();
        for (byte x : d) {
            b.append(String.format("%02X", x & 0xff)); // §5.2: uppercase
        }
        return b.toString();
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** Constant-time comparison of a computed signature with the received text. */
    static boolean same(String expected, String received) {
        return MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8),
                received.getBytes(StandardCharsets.UTF_8));
    }

    static boolean blank(String s) {
        return s.chars().allMatch(c -> Character.isWhitespace(c) || Character.isSpaceChar(c));
    }

    /** The merchant's MD5 key; a blank one is refused (anyone can sign with it). */
    static String merchantKey(Map<String, Object> req) throws Refused {
        if (!(req.get("key") instanceof String key)) {
            throw new Refused("MD5 needs the key");
        }
        if (blank(key)) {
            throw new Refused("the key is blank: refusing to sign or verify with it");
        }
        return key;
    }

    /**
     * §2.2.3: the answer's signType is the one the merchant ordered with
     * (`configuredSignType`); a message claiming another is refused, whatever credentials
     * are present. Returns the reason, or null.
     */
    static String configuredSignType(Map<String, Object> req, String declared) throws Refused {
        Object cfg = req.get("configuredSignType");
        if (cfg == null || cfg == NULL) {
            return null;
        }
        if (!"0".equals(cfg) && !"1".equals(cfg)) {
            throw new Refused("configuredSignType is not 0 or 1");
        }
        return declared.equals(cfg) ? null
                : "signType '" + declared + "' differs from the configured " + cfg;
    }

    /** §5.1: the non-empty signed fields in table order, name=value joined by '&'. */
    static String signSource(String message, Map<String, Object> values) throws Refused {
        List<String[]> pairs = new ArrayList<>();
        for (Map.Entry<String, Character> f : FLAT.get(message).entrySet()) {
            String name = f.getKey();
            if (f.getValue() != 'S') {
                continue;
            }
            if ("no-mcht-refund-order-no".equals(broken) && message.equals("refund-response")
                    && name.equals("mchtRefundOrderNo")) {
                continue; // the official SDK's v1.3 refund list, before mchtRefundOrderNo
            }
            String v = textOf(values.get(name));
            if (!v.isEmpty()) {
                pairs.add(new String[] {name, v});
            }
        }
        if ("alphabetical".equals(broken)) {
            pairs.sort((a, b) -> a[0].compareTo(b[0]));
        }
        StringBuilder b = new StringBuilder();
        for (String[] p : pairs) {
            if (b.length() > 0) {
                b.append('&');
            }
            b.append(p[0]).append('=').append(p[1]);
        }
        return b.toString();
    }

    /**
     * The Charset of a charset name. §5.1 c: the sign source is encoded in the charset the
     * message declares (inputCharset 1 UTF-8, 2 GBK, 3 GB2312; ERRATA E-CHARSET). GB2312 is
     * hashed as GBK: the bytes agree for GB2312 text, and GBK also has what GB2312 lacks.
     */
    static Charset charset(Object name) throws Refused {
        String cs = (name == null || name == NULL) ? "utf-8" : name.toString().toLowerCase();
        if (cs.equals("gbk") || cs.equals("gb2312")) {
            return Charset.forName("GBK");
        }
        if (cs.equals("utf-8") || cs.equals("utf8")) {
            return StandardCharsets.UTF_8;
        }
        throw new Refused("unknown charset " + name);
    }

    /** Text in the charset, refusing what it cannot encode (and lone surrogates). */
    static byte[] encode(String text, Object cs) throws Refused {
        try {
            ByteBuffer b = charset(cs).newEncoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .encode(CharBuffer.wrap(text));
            return Arrays.copyOf(b.array(), b.limit());
        } catch (CharacterCodingException e) {
            throw new Refused("not encodable in " + cs);
        }
    }

    /** Bytes in the charset, refusing invalid sequences. */
    static String decode(byte[] bytes, Object cs) throws Refused {
        try {
            return charset(cs).newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new Refused("not " + cs);
        }
    }

    /** The charset the message declares: the request's, else payData's inputCharset. */
    static Object declaredCharset(Map<String, Object> req, Map<String, Object> values)
            throws Refused {
        Object cs = req.get("charset");
        if (cs instanceof String s && !s.isEmpty()) {
            return s;
        }
        return switch (textOf(values.get("inputCharset"))) {
            case "2" -> "gbk";
            case "3" -> "gb2312";
            default -> "utf-8";
        };
    }

    static final Pattern B64 = Pattern.compile("[A-Za-z0-9+/]*={0,2}");

    /** Base64 as RFC 4648 writes it; line breaks (folded signatures) are ignored. */
    static byte[] strictB64(String s) throws Refused {
        s = s.replace("\r", "").replace("\n", "");
        if (s.length() % 4 != 0 || !B64.matcher(s).matches()) {
            throw new Refused("not base64");
        }
        try {
            return Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw new Refused("not base64");
        }
    }

    static PublicKey publicKey(String pem) throws Refused {
        try {
            if (pem.contains("BEGIN CERTIFICATE")) {
                return CertificateFactory.getInstance("X.509")
                        .generateCertificate(new ByteArrayInputStream(
                                pem.getBytes(StandardCharsets.US_ASCII)))
                        .getPublicKey();
            }
            String b64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
            return KeyFactory.getInstance("RSA")
                    .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(b64)));
        } catch (Exception e) {
            throw new Refused("not a certificate or public key: " + e.getMessage());
        }
    }

    /** §5.3 certificate mode: RSA PKCS#1 v1.5 over SHA-1, signMsg in base64. */
    static String rsaVerify(String pem, byte[] data, String signMsg) throws Exception {
        PublicKey key = publicKey(pem);
        if (signMsg.isEmpty()) {
            return "signMsg is empty";
        }
        byte[] raw;
        try {
            raw = strictB64(signMsg);
        } catch (Refused e) {
            return "signMsg is not base64";
        }
        Signature v = Signature.getInstance("SHA1withRSA");
        v.initVerify(key);
        v.update(data);
        try {
            return v.verify(raw) ? null : "RSA signature does not verify";
        } catch (java.security.SignatureException e) {
            return "RSA signature does not verify (" + e.getMessage() + ")";
        }
    }

    static final byte[] CRLF = {'\r', '\n'};

    /** Every signed-text form of these lines; `blankLine` for §3.4. */
    static Map<String, byte[]> textForms(List<byte[]> lines, byte[] blankLine) {
        ByteArrayOutputStream literal = new ByteArrayOutputStream();
        ByteArrayOutputStream terminated = new ByteArrayOutputStream();
        for (int k = 0; k < lines.size(); k++) {
            if (k > 0) {
                literal.writeBytes(CRLF);
            }
            literal.writeBytes(lines.get(k));
            terminated.writeBytes(lines.get(k));
            terminated.writeBytes(CRLF);
        }
        Map<String, byte[]> forms = new LinkedHashMap<>();
        forms.put("literal", literal.toByteArray());
        forms.put("terminated", terminated.toByteArray());
        if (blankLine != null) {
            forms.put("blank-line", blankLine);
        }
        return forms;
    }

    static String row(Map<String, Object> r, List<String> cols) throws Refused {
        List<String> out = new ArrayList<>();
        for (String n : cols) {
            out.add(textOf(r.get(n)));
        }
        return String.join("|", out);
    }

    /** The record lines (§3.4: summary, then records) from a sign request's fields. */
    static List<byte[]> textLines(String message, Map<String, Object> fields, Object cs)
            throws Refused {
        List<String> rows = new ArrayList<>();
        Object records = fields.get("records");
        if (message.equals("batch-query-response")) {
            Object summary = fields.get("summary");
            rows.add(row(summary == null || summary == NULL ? Map.of() : object(summary, "summary"),
                    BATCH_SUMMARY));
        }
        List<?> list = records == null ? (message.equals("batch-query-response") ? List.of()
                : List.of(fields)) : (List<?>) records;
        for (Object r : list) {
            rows.add(row(object(r, "a record"), message.equals("batch-query-response")
                    ? BATCH_RECORD : TEXTS.get(message)));
        }
        List<byte[]> out = new ArrayList<>();
        for (String r : rows) {
            out.add(encode(r, cs));
        }
        return out;
    }

    // ---- sign ---------------------------------------------------------------------------
    // An implementation that rewrites its input before signing (a constant version, trim(),
    // amounts bound to integers, its own clock for the datetimes) answers
    // {"unsupported": true} for a case whose values it would rewrite, never the signature of
    // other text (see the Python example's --int-amounts). This one signs what it is given.
    static Map<String, Object> opSign(Map<String, Object> req) throws Exception {
        String message = str(req, "message");
        String key = merchantKey(req);
        Object cs = req.containsKey("charset") ? req.get("charset") : "utf-8";
        Map<String, Object> fields = object(req.get("fields"), "fields");
        if (FLAT.containsKey(message)) {
            for (String n : fields.keySet()) {
                if (!FLAT.get(message).containsKey(n)) {
                    throw new Refused("unknown field " + n);
                }
            }
            String source = signSource(message, fields);
            return answer("signMsg", md5Hex(encode(source + "&key=" + key, cs)),
                    "signSource", source);
        }
        if (TEXTS.containsKey(message) || message.equals("batch-query-response")) {
            boolean batch = message.equals("batch-query-response");
            List<byte[]> lines = textLines(message, fields, cs);
            byte[] blankLine = null;
            if (batch) {
                blankLine = concat(textForms(lines, null).get("terminated"), CRLF);
            }
            Map<String, byte[]> forms = textForms(lines, blankLine);
            Object form = req.get("textForm");
            if (form == null || form == NULL) {
                form = batch ? "blank-line" : "literal";
            }
            byte[] text = forms.get(form.toString());
            if (text == null) {
                throw new Refused("textForm " + form + " does not apply to " + message);
            }
            // §3.8: MD5(text|key)
            return answer("signMsg", md5Hex(concat(text, "|".getBytes(), encode(key, cs))),
                    "signSource", decode(text, cs));
        }
        return UNSUPPORTED;
    }

    // ---- verify -------------------------------------------------------------------------
    static final Pattern ESCAPES = Pattern.compile("(?:%[0-9A-Fa-f]{2})+");

    /**
     * A URL-encoded form body's name or value: `+` and %20 are spaces, escapes in either
     * case; runs of %XX decode in the declared charset.
     */
    static String formDecode(String s, Object cs) throws Refused {
        s = s.replace('+', ' ');
        Matcher m = ESCAPES.matcher(s);
        StringBuilder out = new StringBuilder();
        int last = 0;
        while (m.find()) {
            out.append(s, last, m.start());
            String run = m.group();
            byte[] bytes = new byte[run.length() / 3];
            for (int k = 0; k < bytes.length; k++) {
                bytes[k] = (byte) Integer.parseInt(run.substring(3 * k + 1, 3 * k + 3), 16);
            }
            out.append(decode(bytes, cs));
            last = m.end();
        }
        return out.append(s.substring(last)).toString();
    }

    /** A form body; an empty pair (a trailing '&') is ignored. */
    static Map<String, Object> parseForm(String wire, Object cs) throws Refused {
        Map<String, Object> values = new LinkedHashMap<>();
        for (String pair : wire.split("&", -1)) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            if (eq < 0) {
                throw new Refused("a pair without '='");
            }
            String name = formDecode(pair.substring(0, eq), cs);
            // One value verified, the other read by the shop: refuse.
            if (values.containsKey(name)) {
                throw new Refused(name + " named twice");
            }
            values.put(name, formDecode(pair.substring(eq + 1), cs));
        }
        return values;
    }

    /** A text answer (§3.8, §4.2, §4.4) split into its parts. */
    record Text(List<String[]> records, List<String> lines, String signature) {
    }

    /**
     * Record lines, then the signature line(s). The signature is taken as it stands
     * (spaces are part of it, and make it wrong).
     */
    static Text splitText(String text, int columns) throws Refused {
        List<String[]> records = new ArrayList<>();
        List<String> lines = new ArrayList<>();
        StringBuilder sig = new StringBuilder();
        String state = "records";
        if (LF_ALONE.matcher(text).find()) { // §3.8: lines end in CRLF
            throw new Refused("a line ends in LF without CR");
        }
        for (String raw : text.split("\n", -1)) {
            String line = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
            boolean isBlank = line.isEmpty();
            if (state.equals("records")) {
                if (isBlank && records.isEmpty()) { // the signed text starts with the first record
                    throw new Refused("a blank line before the first record");
                }
                if (isBlank) {
                    continue;
                }
                if (line.contains("|")) {
                    String[] cols = line.split("\\|", -1);
                    if (cols.length != columns) {
                        throw new Refused(cols.length + " columns, expected " + columns);
                    }
                    records.add(cols);
                    lines.add(line);
                    continue;
                }
                if (records.isEmpty()) {
                    throw new Refused("no record line");
                }
                sig.append(line);
                state = "signature";
            } else if (state.equals("signature")) {
                if (isBlank) {
                    state = "done";
                } else if (line.contains("|")) {
                    throw new Refused("data after the signature");
                } else {
                    sig.append(line); // a folded base64 signature
                }
            } else if (!isBlank) {
                throw new Refused("data after the signature");
            }
        }
        if (records.isEmpty() || sig.length() == 0) {
            throw new Refused("no signature line");
        }
        return new Text(records, lines, sig.toString());
    }

    /**
     * Tries every accepted form: {reason or null, the form that matched, what was computed
     * for the last form tried}.
     */
    static String[] verifyText(String signType, Map<String, byte[]> forms, String sig,
            Map<String, Object> req, Object cs) throws Exception {
        String computed = null;
        if (signType.equals("0")) { // §3.8: MD5(text|key)
            if (!req.containsKey("key")) {
                throw new Refused("signType 0 needs the key");
            }
            byte[] key = encode(merchantKey(req), cs);
            for (String name : TEXT_FORMS) {
                byte[] f = forms.get(name);
                if (f != null) {
                    computed = md5Hex(concat(f, "|".getBytes(), key));
                    if (same(computed, sig)) {
                        return new String[] {null, name, computed};
                    }
                }
            }
            return new String[] {"MD5 does not match", null, computed};
        }
        if (signType.equals("1")) { // §3.8 a-b: RSA over the uppercase hex MD5 of the text
            String pem = req.get("certificate") instanceof String p ? p : null;
            if (pem == null) {
                throw new Refused("signType 1 needs the certificate");
            }
            String why = "no signed-text form";
            for (String name : TEXT_FORMS) {
                byte[] f = forms.get(name);
                if (f != null) {
                    computed = md5Hex(f);
                    why = rsaVerify(pem, computed.getBytes(StandardCharsets.US_ASCII), sig);
                    if (why == null) {
                        return new String[] {null, name, computed};
                    }
                }
            }
            return new String[] {why, null, computed};
        }
        return new String[] {"signType is not 0 or 1", null, null};
    }

    /** The reason or null; `seen` gets the signature as read and what was computed. */
    static String verifyFlat(Map<String, Object> req, Map<String, Object> seen)
            throws Exception {
        String message = str(req, "message");
        String wire = str(req, "wire");
        Map<String, Object> values;
        // payData travels as JSON (§2.1), every other message as a form body.
        if (message.equals("pay-request")) {
            values = object(Json.parse(wire), "payData");
        } else {
            values = parseForm(wire, req.get("charset"));
        }
        String sig = textOf(values.get("signMsg"));
        if (sig.isEmpty()) {
            return "signMsg missing";
        }
        seen.put("signMsg", sig);
        String source = signSource(message, values);
        String signType = textOf(values.get("signType"));
        boolean merchant = MERCHANT.contains(message);
        if (!merchant) { // the merchant signs its own messages with MD5 always
            String why = configuredSignType(req, signType);
            if (why != null) {
                return why;
            }
        }
        if (merchant || signType.equals("0")) { // §5.1/§5.2
            String key = merchantKey(req);
            Object cs = declaredCharset(req, values);
            String computed = md5Hex(encode(source + "&key=" + key, cs));
            seen.put("computed", computed);
            return same(computed, sig) ? null : "MD5 does not match";
        }
        if (signType.equals("1")) { // §5.3: RSA over the sign source
            if (!(req.get("certificate") instanceof String pem)) {
                throw new Refused("signType 1 needs the certificate");
            }
            seen.put("computed", source);
            return rsaVerify(pem, encode(source, "utf-8"), sig);
        }
        return "signType is not 0 or 1";
    }

    /** §3.4: base64 of summary, records, a blank line, then the signature. */
    static String[] verifyBatch(Map<String, Object> req) throws Exception {
        byte[] bytes = strictB64(str(req, "wire").replaceAll("[\r\n \t]", ""));
        // Latin-1 maps each byte to one char: split as text, hash the same bytes.
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        if (LF_ALONE.matcher(text).find()) { // §3.4: lines end in CRLF
            throw new Refused("a line ends in LF without CR");
        }
        String[] lines = text.split("\n", -1);
        String first = lines[0].endsWith("\r") ? lines[0].substring(0, lines[0].length() - 1)
                : lines[0];
        String[] summary = first.split("\\|", -1);
        if (summary.length != 4 || !summary[1].matches("[0-9]+")
                || !(summary[3].equals("Y") || summary[3].equals("N"))) {
            throw new Refused("bad summary line");
        }
        List<byte[]> records = new ArrayList<>();
        records.add(first.getBytes(StandardCharsets.ISO_8859_1));
        StringBuilder sig = new StringBuilder();
        int offset = lines[0].length() + 1;
        String signed = null;
        boolean seenBlank = false;
        for (int k = 1; k < lines.length; k++) {
            String raw = lines[k];
            int start = offset;
            offset += raw.length() + 1;
            String line = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
            boolean bar = line.contains("|");
            if (signed == null) {
                if (line.isEmpty()) {
                    seenBlank = true;
                } else if (bar && !seenBlank) {
                    if (line.split("\\|", -1).length != BATCH_RECORD.size()) {
                        throw new Refused("bad record line");
                    }
                    records.add(line.getBytes(StandardCharsets.ISO_8859_1));
                } else if (bar || !seenBlank) {
                    throw new Refused("the signature must follow a blank line");
                } else {
                    signed = text.substring(0, start);
                    sig.append(line);
                }
            } else if (bar) {
                throw new Refused("data after the signature");
            } else {
                sig.append(line);
            }
        }
        if (signed == null || sig.length() == 0) {
            throw new Refused("no signature line");
        }
        if (!new BigInteger(summary[1]).equals(BigInteger.valueOf(records.size() - 1))) {
            throw new Refused("record count differs from the summary");
        }
        Map<String, byte[]> forms =
                textForms(records, signed.getBytes(StandardCharsets.ISO_8859_1));
        if (!sig.chars().allMatch(c -> c < 0x80)) {
            return new String[] {"signature is not ASCII", null, null};
        }
        // §3.3: signType 固定值 1 (certificate); the MD5 form when a key is given (E-3.4-MD5).
        return verifyText(req.containsKey("key") ? "0" : "1", forms, sig.toString(), req,
                req.get("charset"));
    }

    static Map<String, Object> opVerify(Map<String, Object> req) throws Exception {
        String message = str(req, "message");
        if (req.containsKey("key")) {
            merchantKey(req); // a blank key is refused before anything else
        }
        String why;
        String form = null;
        Map<String, Object> seen = new LinkedHashMap<>();
        if (FLAT.containsKey(message)) {
            why = verifyFlat(req, seen);
        } else if (TEXTS.containsKey(message)) {
            List<String> cols = TEXTS.get(message);
            Object cs = req.get("charset");
            Text t = splitText(str(req, "wire"), cols.size());
            if (!message.equals("refund-query-response") && t.records().size() != 1) {
                throw new Refused("a pre-auth result holds exactly one record (§4.2/§4.4)");
            }
            List<byte[]> lines = new ArrayList<>();
            for (String l : t.lines()) {
                lines.add(encode(l, cs));
            }
            int col = cols.indexOf("signType");
            String signType = t.records().get(0)[col];
            for (String[] r : t.records()) {
                if (!r[col].equals(signType)) {
                    throw new Refused("the records disagree on signType");
                }
            }
            why = configuredSignType(req, signType);
            if (why != null) {
                return answer("valid", false, "reason", why);
            }
            String[] r = verifyText(signType, textForms(lines, null), t.signature(), req, cs);
            why = r[0];
            form = r[1];
            if (r[2] != null) {
                seen.put("computed", r[2]);
            }
            seen.put("signMsg", t.signature());
        } else if (message.equals("batch-query-response")) {
            String[] r = verifyBatch(req);
            why = r[0];
            form = r[1];
            if (r[2] != null) {
                seen.put("computed", r[2]);
            }
        } else {
            return UNSUPPORTED;
        }
        Map<String, Object> a = why != null ? answer("valid", false, "reason", why)
                : form == null ? answer("valid", true) : answer("valid", true, "textForm", form);
        a.putAll(seen);
        return a;
    }

    // ---- ext1, decode-signature, the loop -------------------------------------------------
    static Map<String, Object> opExt1(Map<String, Object> req) throws Exception {
        // §5.4: the values concatenated in table order, empty ones contributing nothing.
        Map<String, Object> fields = object(req.get("fields"), "fields");
        StringBuilder src = new StringBuilder();
        for (String n : INTL) {
            src.append(textOf(fields.get(n)));
        }
        String s = src.toString();
        return answer("digest", md5Hex(encode(s, "utf-8")), "ext1Source", s);
    }

    static Map<String, Object> respond(String line) {
        try {
            Map<String, Object> req = object(Json.parse(line), "a request");
            Object op = req.get("op");
            if ("sign".equals(op)) {
                return opSign(req);
            }
            if ("verify".equals(op)) {
                return opVerify(req);
            }
            if ("ext1".equals(op)) {
                return opExt1(req);
            }
            if ("decode-signature".equals(op)) {
                return answer("bytes", strictB64(str(req, "signMsg")).length);
            }
            return UNSUPPORTED; // parse, check
        } catch (Exception e) {
            return answer("error", e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 2 && args[0].equals("--broken")
                && (args[1].equals("alphabetical") || args[1].equals("no-mcht-refund-order-no"))) {
            broken = args[1];
        } else if (args.length > 0) {
            System.err.println(
                    "usage: AllinpayAdapter [--broken alphabetical|no-mcht-refund-order-no]");
            System.exit(2);
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isBlank()) {
                continue;
            }
            StringBuilder b = new StringBuilder();
            writeJson(b, respond(line));
            out.print(b.append('\n'));
            out.flush();
        }
    }
}
