package graph

// Normalisation of the identifiers that link records across sectors. Every value passes through
// one of these functions before it becomes a node id or property, so that the same e-mail, phone,
// IBAN or handle written two ways by two sources is one node. Each returns an *Error with code
// EINVALID whose message says what is wrong with the value without repeating it: the caller
// prefixes the place (file:line: field:), and the value itself may be personal data that must
// not reach the logs.
//
// In the privacy-preserving mode a partner sends identifiers as keyed hashes of their normal
// form ("hmac:" and 64 hex digits; resolve.KeyIdentifier, docs/privacy.md). NormalizeEmail,
// NormalizePhone, NormalizeIBAN, NormalizeDevice and NormalizeHandle accept such a value as it
// is, lower-cased, so that a keyed e-mail is the Email node "email:hmac:…" and links wherever
// the same address was keyed under the same consortium key.

import (
	"errors"
	"net/mail"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/currency"
	"golang.org/x/text/language"
	"golang.org/x/text/unicode/norm"
)

// keyedPrefix starts a keyed identifier, as resolve.KeyedPrefix does.
const keyedPrefix = "hmac:"

// KeyedValue reports whether s, trimmed, is a keyed identifier: "hmac:" and 64 hex digits, in
// any case. It returns the value lower-cased, the form resolve.KeyIdentifier writes, so that one
// hash written in two cases is one node.
func KeyedValue(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) != len(keyedPrefix)+64 || !strings.EqualFold(s[:len(keyedPrefix)], keyedPrefix) || !isHex(s[len(keyedPrefix):]) {
		return "", false
	}
	return strings.ToLower(s), true
}

// invalidf returns an EINVALID *Error with a formatted message.
func invalidf(format string, args ...any) *Error { return Errorf(EINVALID, format, args...) }

// maxEmailLen is the longest address SMTP can carry (RFC 5321 path limit less the brackets).
const maxEmailLen = 254

// NormalizeEmail trims and lower-cases an e-mail address (the whole of it: providers treat the
// local part case-insensitively, and one person typing Bob@ and bob@ must be one node) and checks
// that it is a bare address: one @, a non-empty local part, a domain with a dot, no spaces, the
// syntax of RFC 5322 (net/mail). It rejects display names ("Bob <b@x.org>"), comments, quoted
// local parts and IP-literal domains. Internationalised domains are only lower-cased, not
// converted to punycode, so one address written both ways stays two nodes. A keyed value
// (KeyedValue) is returned as it is, lower-cased.
func NormalizeEmail(s string) (string, error) {
	if k, ok := KeyedValue(s); ok {
		return k, nil
	}
	s = strings.ToLower(strings.TrimSpace(s))
	switch {
	case s == "":
		return "", invalidf("empty e-mail address")
	case len(s) > maxEmailLen:
		return "", invalidf("e-mail address longer than %d bytes", maxEmailLen)
	case !utf8.ValidString(s):
		return "", invalidf("e-mail address is not valid UTF-8")
	case strings.ContainsAny(s, "<>"):
		return "", invalidf("has a display name or angle brackets; give the bare address")
	}
	for _, r := range s {
		if unicode.IsSpace(r) {
			return "", invalidf("e-mail address contains a space")
		}
		if !unicode.IsGraphic(r) {
			return "", invalidf("e-mail address contains a control or invisible character")
		}
	}
	local, domain, ok := strings.Cut(s, "@")
	switch {
	case !ok || strings.Contains(domain, "@"):
		return "", invalidf("e-mail address must have exactly one @")
	case local == "":
		return "", invalidf("e-mail address has nothing before the @")
	case strings.HasPrefix(domain, "["):
		return "", invalidf("e-mail address has an IP address for a domain")
	case !strings.Contains(domain, "."):
		return "", invalidf("e-mail domain has no dot")
	}
	addr, err := mail.ParseAddress(s)
	switch {
	case err != nil:
		return "", invalidf("not a valid e-mail address")
	case addr.Name != "":
		return "", invalidf("has a display name or comment; give the bare address")
	case addr.Address != s:
		// net/mail unquoted a quoted local part or dropped a comment.
		return "", invalidf("e-mail address has quotes or a comment; give the plain address")
	}
	return s, nil
}

// NormalizePhone parses a phone number with libphonenumber (github.com/nyaruka/phonenumbers) and
// returns it in E.164 ("+639171234567"). defaultRegion says where a number written without a
// +country prefix was dialled: an ISO 3166 alpha-2 or alpha-3 code or a libphonenumber region
// such as AC, in any case, or "" when unknown. National prefixes ("0917..."), international
// prefixes ("00 44...", "011 44...") and vanity letters are understood. An extension is
// dropped: E.164 has none.
//
// The number must be possible (right length for its country), not valid: libphonenumber's
// validity tables lag behind newly allocated ranges, and rejecting a real number loses a link.
// It is rejected when it is possible only as a local number, without its area code, because
// its E.164 form would then be a different, wrong number.
//
// A keyed value (KeyedValue) is returned as it is, lower-cased, whatever the region: the
// partner read the number in its region before keying it.
func NormalizePhone(s, defaultRegion string) (string, error) {
	if k, ok := KeyedValue(s); ok {
		return k, nil
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return "", invalidf("empty phone number")
	}
	region := strings.ToUpper(strings.TrimSpace(defaultRegion))
	if _, ok := phonenumbers.GetSupportedRegions()[region]; !ok && region != "" {
		// Not a region code of the numbering plan as written (AC and TA are, though not
		// countries): try it as a country code, which takes alpha-3 and UK.
		r, err := NormalizeCountry(region)
		if err != nil {
			return "", invalidf("default region: %s", ErrorMessage(err))
		}
		region = r
	}
	num, err := phonenumbers.Parse(s, region)
	switch {
	case errors.Is(err, phonenumbers.ErrInvalidCountryCode) && region == "" && !strings.ContainsAny(s, "+\uff0b"):
		return "", invalidf("phone number has no +country code and no default region is set")
	case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
		return "", invalidf("phone number has an unknown country calling code")
	case errors.Is(err, phonenumbers.ErrNumTooLong):
		return "", invalidf("phone number is too long")
	case errors.Is(err, phonenumbers.ErrTooShortNSN), errors.Is(err, phonenumbers.ErrTooShortAfterIDD):
		return "", invalidf("phone number is too short")
	case err != nil, num.GetNationalNumber() == 0:
		return "", invalidf("not a phone number")
	}
	switch phonenumbers.IsPossibleNumberWithReason(num) {
	case phonenumbers.IS_POSSIBLE:
	case phonenumbers.IS_POSSIBLE_LOCAL_ONLY:
		return "", invalidf("phone number lacks its area code")
	case phonenumbers.TOO_SHORT:
		return "", invalidf("phone number is too short for its country")
	case phonenumbers.TOO_LONG:
		return "", invalidf("phone number is too long for its country")
	case phonenumbers.INVALID_COUNTRY_CODE:
		return "", invalidf("phone number has an unknown country calling code")
	default:
		return "", invalidf("phone number has an impossible length for its country")
	}
	e164 := phonenumbers.Format(num, phonenumbers.E164)
	// A few degenerate numbers (zeros after a national prefix in a region that shares its
	// calling code) come out in an E.164 form that reads back as another number. An id must be
	// stable, so such a number is refused rather than stored under a form it would not keep.
	if back, err := phonenumbers.Parse(e164, ""); err != nil || phonenumbers.Format(back, phonenumbers.E164) != e164 {
		return "", invalidf("phone number has no stable E.164 form; check its digits")
	}
	return e164, nil
}

// ibanLengths is the length of an IBAN per country code, from the SWIFT IBAN Registry
// (release 100, January 2025). Territories that use another country's code (AX with FI; GF, GP,
// MQ, RE, PF, TF, YT, NC, BL, MF, PM, WF with FR; IM, JE, GG with GB) are not listed: their IBANs
// begin with that code. IBAN-like numbers of countries outside the registry (the "experimental"
// formats of much of West and Central Africa, for one) are rejected.
var ibanLengths = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
	"BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
	"DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
	"GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28,
	"IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28,
	"LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22,
	"MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23,
	"PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24,
	"SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
	"TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}

// maxIBANInput bounds the text NormalizeIBAN reads; the longest IBAN has 34 characters.
const maxIBANInput = 100

// NormalizeIBAN removes spaces and hyphens, upper-cases, and checks an IBAN: a country code of
// the SWIFT IBAN Registry, two check digits, the registered length for that country, only
// letters and digits, and the ISO 13616 mod-97 checksum. It returns the compact electronic
// form ("DE89370400440532013000"). The country-specific BBAN layout is not checked; the checksum
// catches the typing errors that matter. A keyed value (KeyedValue) is returned as it is,
// lower-cased.
func NormalizeIBAN(s string) (string, error) {
	if k, ok := KeyedValue(s); ok {
		return k, nil
	}
	if len(s) > maxIBANInput {
		return "", invalidf("too long for an IBAN")
	}
	b := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case r == '-' || unicode.IsSpace(r):
		case 'a' <= r && r <= 'z':
			b = append(b, byte(r-'a'+'A'))
		case 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
			b = append(b, byte(r))
		default:
			return "", invalidf("IBAN contains %q; only letters, digits, spaces and hyphens are allowed", r)
		}
	}
	iban := string(b)
	switch {
	case iban == "":
		return "", invalidf("empty IBAN")
	case len(iban) < 4 || !isUpperLetter(iban[0]) || !isUpperLetter(iban[1]):
		return "", invalidf("IBAN must start with a two-letter country code")
	}
	country := iban[:2]
	want, ok := ibanLengths[country]
	switch {
	case !ok:
		return "", invalidf("IBAN country code %s is not in the IBAN registry", country)
	case !isDigit(iban[2]) || !isDigit(iban[3]):
		return "", invalidf("IBAN check digits (3rd and 4th characters) must be digits")
	case len(iban) != want:
		return "", invalidf("IBAN has %d characters; %s IBANs have %d", len(iban), country, want)
	case iban[2:4] == "00" || iban[2:4] == "01" || iban[2:4] == "99":
		// 98 - (n mod 97) is always 02..98; 00, 01 and 99 are congruent to 97, 98 and 02
		// and would otherwise pass the checksum for the same account.
		return "", invalidf("IBAN check digits %s are never issued", iban[2:4])
	case ibanMod97(iban) != 1:
		return "", invalidf("IBAN checksum does not match; a character is probably mistyped")
	}
	return iban, nil
}

// ibanMod97 is the ISO 7064 MOD 97-10 remainder of an IBAN: the first four characters moved to
// the end and letters replaced by 10..35. The number is read digit by digit, so it never
// overflows.
func ibanMod97(iban string) int {
	rem := 0
	for i := range len(iban) {
		c := iban[(i+4)%len(iban)]
		if isDigit(c) {
			rem = (rem*10 + int(c-'0')) % 97
		} else {
			rem = (rem*100 + int(c-'A') + 10) % 97
		}
	}
	return rem
}

func isDigit(c byte) bool       { return '0' <= c && c <= '9' }
func isUpperLetter(c byte) bool { return 'A' <= c && c <= 'Z' }

// isASCIILetters reports whether s is all ASCII letters, checked before upper-casing so that
// letters such as the dotless ı, which upper-cases to I, are not taken for codes.
func isASCIILetters(s string) bool {
	for i := range len(s) {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
}

// NormalizeIP parses an IPv4 or IPv6 address and returns its canonical text: IPv4-mapped IPv6
// addresses are unmapped (::ffff:1.2.3.4 is 1.2.3.4, the same client seen by a dual-stack
// server), zones are dropped (fe80::1%eth0 is fe80::1: a zone names an interface of the
// observer, not part of the address), and IPv6 is written as RFC 5952 (netip's String). It
// rejects prefixes and addresses with ports.
func NormalizeIP(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", invalidf("empty IP address")
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap().WithZone("").String(), nil
	}
	switch {
	case strings.Contains(s, "/"):
		return "", invalidf("IP address is a CIDR prefix; give a single address")
	case isAddrPort(s):
		return "", invalidf("IP address has a port; put it in the port field")
	case strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]"):
		return "", invalidf("IP address is in brackets; give the bare address")
	}
	return "", invalidf("not an IPv4 or IPv6 address")
}

func isAddrPort(s string) bool {
	_, err := netip.ParseAddrPort(s)
	return err == nil
}

// countryAliases are codes in common use that ISO 3166-1 does not assign: UK for the United
// Kingdom (ISO: GB) and XKX, the alpha-3 code the EU and most registries use for Kosovo.
var countryAliases = map[string]string{"UK": "GB", "XKX": "XK"}

// withdrawnCountries are withdrawn ISO 3166-1 codes that x/text still reports as countries and
// that it cannot map to one successor (the rest it canonicalizes, which is how they are caught).
var withdrawnCountries = map[string]bool{"AN": true, "CS": true, "NT": true, "SU": true, "YU": true}

// NormalizeCountry accepts an ISO 3166-1 alpha-2 or alpha-3 code in any case ("ph", "PHL") and
// returns the alpha-2 code upper-case ("PH"). UK is taken for GB. It rejects codes that are not
// a country now: groupings (EU, UN, 419), private-use codes (AA, QM..QZ, XA..XZ, ZZ), the
// exceptionally reserved codes (AC, CP, DG, EA, EZ, IC, TA) and withdrawn ones (AN, DD, SU, YU,
// ZR, ...). Kosovo (XK) is accepted although its code is user-assigned: it is the code every
// bank (IBANs begin XK), telephone plan and registry uses for it.
func NormalizeCountry(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", invalidf("empty country code")
	}
	if (len(s) != 2 && len(s) != 3) || !isASCIILetters(s) {
		return "", invalidf("country code must be 2 or 3 letters (ISO 3166-1)")
	}
	s = strings.ToUpper(s)
	if a, ok := countryAliases[s]; ok {
		s = a
	}
	r, err := language.ParseRegion(s)
	if err != nil {
		return "", invalidf("unknown country code %s", s)
	}
	code := r.String()
	switch {
	case code == "XK":
		return code, nil
	case r.IsPrivateUse():
		return "", invalidf("%s is a private-use code, not a country", s)
	case r.IsGroup():
		return "", invalidf("%s is a group of countries, not a country", s)
	case !r.IsCountry():
		return "", invalidf("%s is not a country code", s)
	case r.M49() == 0:
		// ISO 3166-1 numeric codes are M49 codes; the reserved codes CLDR knows have none.
		return "", invalidf("%s is a reserved code, not an ISO 3166-1 country", s)
	case r.Canonicalize() != r || withdrawnCountries[code]:
		return "", invalidf("%s is a withdrawn country code", s)
	}
	return code, nil
}

// isoMinorUnits holds the ISO 4217 minor units of the currencies where x/text (CLDR 32) either
// does not know the code or gives a different number. CLDR's "digits" is how many decimals
// are shown in practice (0 for COP, IDR, IQD, ...), while bank records and transfers carry the
// ISO minor unit. Codes issued after CLDR 32 are here too, so that NormalizeCurrency accepts
// them.
var isoMinorUnits = map[string]int{
	// CLDR digits differ from ISO 4217.
	"AFN": 2, "ALL": 2, "AMD": 2, "COP": 2, "GYD": 2, "IDR": 2, "IQD": 3, "IRR": 2, "KPW": 2,
	"LAK": 2, "LBP": 2, "MGA": 2, "MMK": 2, "MNT": 2, "MUR": 2, "PKR": 2, "RSD": 2, "SLL": 2,
	"SOS": 2, "SYP": 2, "TZS": 2, "UZS": 2, "YER": 2,
	// Withdrawn codes whose ISO minor unit was 2.
	"MRO": 2, "STD": 2, "TMM": 2, "ZMK": 2, "ZWD": 2,
	// Issued after CLDR 32 (x/text's ParseISO rejects them).
	"MRU": 2, "SLE": 2, "UYW": 4, "VED": 2, "VES": 2, "XCG": 2, "ZWG": 2,
}

// NormalizeCurrency accepts an ISO 4217 currency code in any case and returns it upper-case. It
// knows the codes of golang.org/x/text/currency and those issued since its data (VES, MRU, SLE,
// ZWG, ...). It rejects XXX (no currency) and XTS (reserved for tests).
func NormalizeCurrency(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", invalidf("empty currency code")
	case len(s) != 3 || !isASCIILetters(s):
		return "", invalidf("currency code must be 3 letters (ISO 4217)")
	}
	s = strings.ToUpper(s)
	switch {
	case s == "XXX":
		return "", invalidf("XXX means no currency")
	case s == "XTS":
		return "", invalidf("XTS is reserved for testing")
	}
	if _, ok := isoMinorUnits[s]; ok {
		return s, nil
	}
	u, err := currency.ParseISO(s)
	if err != nil {
		return "", invalidf("unknown currency code %s", s)
	}
	return u.String(), nil
}

// CurrencyScale returns the number of minor-unit digits of an ISO 4217 currency (EUR 2, JPY 0,
// KWD 3, CLF 4), or -1 for a code that NormalizeCurrency rejects. It takes x/text's
// currency.Standard rounding (Cash differs for HUF, TWD, ...) and corrects it to ISO 4217 where
// CLDR shows fewer decimals than the currency has (COP, IDR, IQD, ...). Codes without minor unit
// in ISO 4217 (XAU, XDR, ...) get CLDR's 2.
func CurrencyScale(code string) int {
	c, err := NormalizeCurrency(code)
	if err != nil {
		return -1
	}
	if n, ok := isoMinorUnits[c]; ok {
		return n
	}
	u, err := currency.ParseISO(c)
	if err != nil {
		return -1
	}
	scale, _ := currency.Standard.Rounding(u)
	return scale
}

// MaxAmountMinor is the largest amount ParseAmount accepts, in minor units: 100 billion in a
// currency with two decimals. Anything larger in a transaction record is a typing or unit error
// that would dominate every sum it enters.
const MaxAmountMinor int64 = 10_000_000_000_000

// ParseAmount parses a decimal amount into integer minor units of the currency: "12.34" EUR is
// 1234, "5" JPY is 5. It accepts digits with an optional leading '+' and one decimal separator,
// '.' or ',' ("12,34"). A ',' followed by exactly three digits ("1,000") is rejected as
// ambiguous: it is as likely a thousands separator. Fraction digits beyond the currency's scale
// are accepted only when they are zeros ("12.340" EUR). It rejects negative amounts (the
// direction of a payment is given by payer and payee), thousands separators, exponents, NaN,
// and amounts above MaxAmountMinor. It never goes through float.
func ParseAmount(s, currency string) (int64, error) {
	scale := CurrencyScale(currency)
	if scale < 0 {
		_, err := NormalizeCurrency(currency)
		return 0, invalidf("currency: %s", ErrorMessage(err))
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, invalidf("empty amount")
	}
	if s[0] == '-' || strings.HasPrefix(s, "\u2212") {
		return 0, invalidf("negative amount; the payer and payee give the direction")
	}
	s = strings.TrimPrefix(s, "+")
	intPart, frac, sep := s, "", byte(0)
	for i := range len(s) {
		c := s[i]
		switch {
		case isDigit(c):
		case c == '.' || c == ',':
			if sep != 0 {
				return 0, invalidf("amount has thousands separators or two decimal points; write plain decimals like 1234.50")
			}
			sep, intPart, frac = c, s[:i], s[i+1:]
		case (c == 'e' || c == 'E') && i > 0 && isDigit(s[i-1]):
			return 0, invalidf("amount is in exponent notation; write plain decimals")
		case c == ' ' || c == '\'' || c == '_':
			return 0, invalidf("amount has thousands separators; write plain decimals like 1234.50")
		default:
			return 0, invalidf("amount is not a plain decimal number")
		}
	}
	switch {
	case intPart == "":
		return 0, invalidf("amount has no digits before the decimal separator")
	case sep != 0 && frac == "":
		return 0, invalidf("amount has no digits after the decimal separator")
	case sep == ',' && len(frac) == 3:
		return 0, invalidf("amount is ambiguous: ',' before three digits may be a thousands separator; use '.' for decimals")
	}
	if len(frac) > scale {
		if strings.Trim(frac[scale:], "0") != "" {
			return 0, invalidf("amount has %d decimals; the currency has %d", len(frac), scale)
		}
		frac = frac[:scale]
	}
	frac += strings.Repeat("0", scale-len(frac))
	var minor int64
	for _, c := range []byte(strings.TrimLeft(intPart, "0") + frac) {
		minor = minor*10 + int64(c-'0')
		if minor > MaxAmountMinor {
			return 0, invalidf("amount is too large (more than %s)", FormatAmount(MaxAmountMinor, currency))
		}
	}
	return minor, nil
}

// FormatAmount writes an amount in minor units as a decimal in the currency's scale ("12.34"
// for 1234 EUR, "1234" for 1234 JPY), with a '-' for negative amounts. ParseAmount reads the
// result back to the same value. A currency NormalizeCurrency rejects is written with two
// decimals.
func FormatAmount(minor int64, currency string) string {
	scale := CurrencyScale(currency)
	if scale < 0 {
		scale = 2
	}
	neg := minor < 0
	mag := uint64(minor)
	if neg {
		mag = -mag // two's complement: right for math.MinInt64 too
	}
	digits := strconv.FormatUint(mag, 10)
	if scale > 0 {
		if len(digits) <= scale {
			digits = strings.Repeat("0", scale-len(digits)+1) + digits
		}
		digits = digits[:len(digits)-scale] + "." + digits[len(digits)-scale:]
	}
	if neg {
		return "-" + digits
	}
	return digits
}

// maxHandleLen bounds a handle in bytes; platforms allow 15 to 64 characters.
const maxHandleLen = 256

// NormalizeHandle normalises a username or handle seen in free text or as a screen name
// ("@Bob_99" is "bob_99"). It folds compatibility forms (NFKC: full-width "ＢＯＢ" is "bob"),
// trims, strips one leading '@', lower-cases, and keeps only letters (any script), combining
// marks, digits, '.', '_' and '-'. It rejects empty handles and handles with spaces or other
// characters. A keyed value (KeyedValue) is returned as it is, lower-cased.
func NormalizeHandle(s string) (string, error) {
	if k, ok := KeyedValue(s); ok {
		return k, nil
	}
	if len(s) > 4*maxHandleLen {
		return "", invalidf("handle longer than %d bytes", maxHandleLen)
	}
	if !utf8.ValidString(s) {
		return "", invalidf("handle is not valid UTF-8")
	}
	h := strings.TrimSpace(norm.NFKC.String(s))
	h = strings.TrimPrefix(h, "@")
	// Lower-casing can leave a string that NFKC composes further (and the other way round), so
	// repeat until stable: the result must be a fixed point for the id to be stable.
	for range 4 {
		next := norm.NFKC.String(strings.ToLower(h))
		if next == h {
			break
		}
		h = next
	}
	switch {
	case h == "":
		return "", invalidf("empty handle")
	case len(h) > maxHandleLen:
		return "", invalidf("handle longer than %d bytes", maxHandleLen)
	}
	for _, r := range h {
		switch {
		case 'a' <= r && r <= 'z', '0' <= r && r <= '9', r == '.', r == '_', r == '-':
		case unicode.IsSpace(r):
			return "", invalidf("handle contains a space")
		case r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r)):
		default:
			return "", invalidf("handle contains %q; handles have letters, digits, '.', '_' and '-'", r)
		}
	}
	return h, nil
}

// Hash algorithms NormalizeHash knows.
const (
	HashMD5      = "MD5"
	HashSHA1     = "SHA1"
	HashSHA256   = "SHA256"
	HashPhotoDNA = "PHOTODNA" // perceptual hash, opaque to Crosslink
	HashOther    = "OTHER"    // any other algorithm, opaque
)

// hexHashLen is the length in hex digits of each cryptographic hash.
var hexHashLen = map[string]int{HashMD5: 32, HashSHA1: 40, HashSHA256: 64}

// maxOpaqueHash bounds an opaque hash value (PhotoDNA is 144 bytes: 192 in base64, 288 in hex).
const maxOpaqueHash = 1024

// NormalizeHash checks a file hash and returns its algorithm upper-case and its value.
// MD5, SHA1 and SHA256 must be 32, 40 and 64 hex digits and are returned lower-case; PHOTODNA and
// OTHER are opaque (base64 or hex, 1..1024 characters, no spaces) and returned as given, since
// case matters in base64. "SHA-256", "sha_1" and the like name the same algorithms. With an
// empty algorithm it is inferred from a hex value of 32, 40 or 64 digits.
func NormalizeHash(algorithm, value string) (string, string, error) {
	algo := strings.ToUpper(strings.NewReplacer("-", "", "_", "", " ", "").Replace(strings.TrimSpace(algorithm)))
	value = strings.TrimSpace(value)
	if value == "" {
		return "", "", invalidf("empty hash value")
	}
	if algo == "" {
		for a, n := range hexHashLen {
			if len(value) == n && isHex(value) {
				algo = a
			}
		}
		if algo == "" {
			return "", "", invalidf("hash algorithm not given and not MD5, SHA1 or SHA256 hex; give the algorithm")
		}
	}
	switch algo {
	case HashMD5, HashSHA1, HashSHA256:
		if n := hexHashLen[algo]; len(value) != n || !isHex(value) {
			return "", "", invalidf("%s hash must be %d hex digits", algo, n)
		}
		return algo, strings.ToLower(value), nil
	case HashPhotoDNA, HashOther:
		if len(value) > maxOpaqueHash {
			return "", "", invalidf("%s hash longer than %d characters", algo, maxOpaqueHash)
		}
		for _, r := range value {
			if !isBase64OrHex(r) {
				if unicode.IsSpace(r) {
					return "", "", invalidf("%s hash contains a space", algo)
				}
				return "", "", invalidf("%s hash must be base64 or hex", algo)
			}
		}
		return algo, value, nil
	}
	return "", "", invalidf("unknown hash algorithm; want MD5, SHA1, SHA256, PHOTODNA or OTHER")
}

func isHex(s string) bool {
	for i := range len(s) {
		c := s[i]
		if !isDigit(c) && !('a' <= c && c <= 'f') && !('A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// isBase64OrHex reports whether r is a character of hex or of base64 (standard or URL-safe,
// with padding).
func isBase64OrHex(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' ||
		r == '+' || r == '/' || r == '-' || r == '_' || r == '='
}

// epoch is the earliest instant NormalizeTime accepts; earlier timestamps in these records are
// zero values and typing errors.
var epoch = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)

// Layouts NormalizeTime reads after RFC 3339. Each also takes a fraction after the seconds.
const (
	layoutSpaceZone = "2006-01-02 15:04:05Z07:00" // SQL exports with a zone
	layoutSpace     = "2006-01-02 15:04:05"
	layoutT         = "2006-01-02T15:04:05"
	layoutDate      = "2006-01-02"
)

// NormalizeTime parses a timestamp and returns it in UTC. It reads RFC 3339 (with a zone, and
// an optional fraction of a second), "2006-01-02 15:04:05" with or without a zone, and
// "2006-01-02T15:04:05" and "2006-01-02" (midnight) without one. A time without a zone is in loc,
// or in UTC when loc is nil. It rejects times before 1970 and more than a day after now: a day
// of slack absorbs clock skew and zones ahead of the server.
func NormalizeTime(s string, loc *time.Location, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, invalidf("empty time")
	}
	if loc == nil {
		loc = time.UTC
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t, err = time.Parse(layoutSpaceZone, s)
	}
	for _, layout := range []string{layoutSpace, layoutT, layoutDate} {
		if err == nil {
			break
		}
		t, err = time.ParseInLocation(layout, s, loc)
	}
	switch {
	case err != nil:
		return time.Time{}, invalidf("not a time; want RFC 3339, YYYY-MM-DD hh:mm:ss or YYYY-MM-DD")
	case t.Before(epoch):
		return time.Time{}, invalidf("time is before 1970")
	case t.After(now.Add(24 * time.Hour)):
		return time.Time{}, invalidf("time is more than a day in the future")
	}
	return t.UTC(), nil
}

// minBirthYear is the earliest year NormalizeDate accepts.
const minBirthYear = 1900

// NormalizeDate checks a birth-date-like value given to the day ("1990-05-17"), the month
// ("1990-05") or the year ("1990"), as FollowTheMoney writes partial dates, and returns it in the
// same precision. The year must be 1900 or later, the month and day must exist, and the date must
// not be after now (taken in now's location).
func NormalizeDate(s string, now time.Time) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", invalidf("empty date")
	}
	var shape string
	switch len(s) {
	case 4:
		shape = "dddd"
	case 7:
		shape = "dddd-dd"
	case 10:
		shape = "dddd-dd-dd"
	}
	if shape == "" || !hasShape(s, shape) {
		return "", invalidf("not a date; want YYYY-MM-DD, YYYY-MM or YYYY")
	}
	year, _ := strconv.Atoi(s[:4])
	var month, day int
	if len(s) >= 7 {
		month, _ = strconv.Atoi(s[5:7])
	}
	if len(s) == 10 {
		day, _ = strconv.Atoi(s[8:])
	}
	nowY, nowM, nowD := now.Date()
	switch {
	case year < minBirthYear:
		return "", invalidf("year is before %d", minBirthYear)
	case year > nowY:
		return "", invalidf("date is in the future")
	case len(s) >= 7 && (month < 1 || month > 12):
		return "", invalidf("month must be 01 to 12")
	case len(s) == 10 && (day < 1 || day > daysIn(year, time.Month(month))):
		return "", invalidf("day does not exist in that month")
	case year == nowY && month > int(nowM), year == nowY && month == int(nowM) && day > nowD:
		return "", invalidf("date is in the future")
	}
	return s, nil
}

// daysIn returns the number of days of a month.
func daysIn(year int, m time.Month) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// hasShape reports whether s matches shape, where 'd' stands for an ASCII digit and any other
// byte for itself.
func hasShape(s, shape string) bool {
	if len(s) != len(shape) {
		return false
	}
	for i := range len(s) {
		if shape[i] == 'd' && !isDigit(s[i]) || shape[i] != 'd' && s[i] != shape[i] {
			return false
		}
	}
	return true
}

// DeviceKinds are the kinds of device identifier NormalizeDevice knows.
var DeviceKinds = []string{"imei", "iccid", "idfa", "aaid", "device"}

// ValidDeviceKind reports whether kind is one of DeviceKinds.
func ValidDeviceKind(kind string) bool { return slices.Contains(DeviceKinds, kind) }

// maxDeviceID bounds an opaque device id.
const maxDeviceID = 1024

// NormalizeDevice checks a device identifier of a kind and returns the form its id is made of,
// so that one device written two ways by two sources is one node:
//   - imei: the 15-digit IMEI with its Luhn check digit. 14 digits get the check digit added;
//     a 16-digit IMEISV is the same device as the IMEI of its first 14 digits.
//   - iccid: the SIM number's digits (18 to 22, starting 89), without a trailing F filler.
//   - idfa, aaid: advertising ids, UUIDs in lower case. The all-zero id is refused: it is what
//     a phone reports when tracking is limited, and would join every such phone into one.
//   - device: any other device id, opaque, as given.
//
// Spaces and hyphens inside IMEIs and ICCIDs are dropped. A keyed value (KeyedValue) of a known
// kind is returned as it is, lower-cased: the kind stays clear, in the id.
func NormalizeDevice(kind, value string) (string, error) {
	if k, ok := KeyedValue(value); ok && ValidDeviceKind(kind) {
		return k, nil
	}
	digits := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r == ' ' || r == '-' {
				return -1
			}
			return r
		}, s)
	}
	allDigits := func(s string) bool {
		for i := range len(s) {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		}
		return s != ""
	}
	switch kind {
	case "imei":
		v := digits(value)
		switch {
		case !allDigits(v):
			return "", invalidf("IMEI must be digits")
		case strings.Trim(v, "0") == "":
			return "", invalidf("IMEI is all zeros; it identifies no device")
		case len(v) == 14:
			return v + string(rune('0'+luhnDigit(v))), nil
		case len(v) == 16:
			return v[:14] + string(rune('0'+luhnDigit(v[:14]))), nil
		case len(v) != 15:
			return "", invalidf("IMEI has %d digits; want 15 (or 14, or a 16-digit IMEISV)", len(v))
		case int(v[14]-'0') != luhnDigit(v[:14]):
			return "", invalidf("IMEI check digit does not match; a digit is probably mistyped")
		}
		return v, nil
	case "iccid":
		v := digits(value)
		if strings.HasSuffix(v, "F") || strings.HasSuffix(v, "f") {
			v = v[:len(v)-1]
		}
		switch {
		case !allDigits(v):
			return "", invalidf("ICCID must be digits")
		case len(v) < 18 || len(v) > 22:
			return "", invalidf("ICCID has %d digits; want 18 to 22", len(v))
		case !strings.HasPrefix(v, "89"):
			return "", invalidf("ICCID must start with 89 (the telecom industry prefix)")
		}
		return v, nil
	case "idfa", "aaid":
		v := strings.ToLower(value)
		if !isLowerUUID(v) {
			return "", invalidf("advertising id must be a UUID (8-4-4-4-12 hex digits)")
		}
		if strings.Trim(v, "0-") == "" {
			return "", invalidf("advertising id is all zeros (tracking limited); it identifies no device")
		}
		return v, nil
	case "device":
		switch {
		case len(value) > maxDeviceID:
			return "", invalidf("longer than %d bytes", maxDeviceID)
		case strings.ContainsFunc(value, unicode.IsSpace):
			return "", invalidf("contains a space")
		case !utf8.ValidString(value) || strings.ContainsFunc(value, func(r rune) bool { return !unicode.IsGraphic(r) }):
			return "", invalidf("contains a control or invisible character")
		}
		return value, nil
	}
	return "", invalidf("unknown device type %q; want %s", kind, strings.Join(DeviceKinds, ", "))
}

// luhnDigit is the Luhn check digit of the digits s (the IMEI's 15th digit).
func luhnDigit(s string) int {
	sum := 0
	for i := range len(s) {
		d := int(s[len(s)-1-i] - '0')
		if i%2 == 0 { // doubled: the rightmost payload digit sits left of the check digit
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
	}
	return (10 - sum%10) % 10
}

// isLowerUUID reports whether s is a lower-case UUID in the 8-4-4-4-12 form.
func isLowerUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
				return false
			}
		}
	}
	return true
}
