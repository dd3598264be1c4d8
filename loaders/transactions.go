package loaders

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/crosslink/crosslink/graph"
	"github.com/crosslink/crosslink/graph/resolve"
)

func init() { Register(&Transactions{}) }

// Transactions is the format of a bank's transaction export: the canonical CSV of
// docs/formats.md "transactions", or any other layout through a column Mapping. Each row is one
// payment from a payer account to a payee account or merchant, with the parties, the
// identifiers they use, the online-banking login behind the payment and the handles written in
// its reference.
type Transactions struct {
	// Partner scopes the ids that only the bank can give (accounts without IBAN, customers,
	// merchants, transactions). The load's own partner wins when the Emitter names one.
	Partner string
	// Mapping reads a layout other than the canonical one; nil reads the canonical header.
	Mapping *Mapping

	partnerFlag *flag.Flag // the command line's -partner, read when Parse runs
}

// Name is "transactions".
func (*Transactions) Name() string { return "transactions" }

// Describe is the line shown by `crosslink load -h`.
func (*Transactions) Describe() string {
	return "a bank's transaction export (CSV; -mapping file.yaml reads other layouts)"
}

// Flags adds -mapping. The mapping file is read while the flags are parsed, so that a typo in
// it stops the command before any file is loaded.
func (t *Transactions) Flags(fs *flag.FlagSet) {
	t.partnerFlag = fs.Lookup("partner")
	fs.Func("mapping", "column-mapping `file` (YAML) for exports not in the canonical layout (see docs/formats.md)", func(path string) error {
		m, err := LoadMapping(path)
		if err != nil {
			return err
		}
		t.Mapping = m
		return nil
	})
}

// partner returns the partner that scopes ids: the load's own, when the Emitter tells it,
// else the format's Partner, else the command line's -partner.
func (t *Transactions) partner(out *Emitter) string {
	if s, ok := any(out).(interface{ Source() graph.Source }); ok {
		if p := s.Source().Partner; p != "" {
			return p
		}
	}
	if s, ok := any(out).(interface{ Partner() string }); ok {
		if p := s.Partner(); p != "" {
			return p
		}
	}
	if t.Partner != "" {
		return t.Partner
	}
	if t.partnerFlag != nil {
		return t.partnerFlag.Value.String()
	}
	return ""
}

// Parse streams a transactions file; see docs/formats.md "transactions". A header without a
// required column, or a mapping column the header lacks, is an error: every row would be
// rejected for the same reason.
func (t *Transactions) Parse(ctx context.Context, file string, r io.Reader, out *Emitter) error {
	partner := strings.TrimSpace(t.partner(out))
	if partner == "" {
		return errors.New("transactions: no partner to scope account and customer ids (set -partner)")
	}
	var delim rune
	var layout TransactionLayout
	if t.Mapping != nil {
		delim, layout = t.Mapping.Delimiter, t.Mapping.TransactionLayout
	}
	c, err := NewCSV(r, delim)
	if err != nil {
		return err
	}
	cols, err := newTxColumns(c, t.Mapping)
	if err != nil {
		return err
	}
	// One clock per file: every record of a file is checked against the same "future".
	now := time.Now()
	phones := &txPhones{m: map[[2]string]txPhone{}}
	return c.Each(ctx, out, func(rec CSVRecord) ([]graph.Node, []graph.Edge, *FieldError) {
		return cols.record(rec).graph(partner, graph.Ref{Line: rec.Line}, layout, now, phones)
	})
}

// TransactionRecord is one transaction by canonical column, as read from a file or received
// through the ingest API. Values are raw text; Graph validates them.
type TransactionRecord struct {
	TransactionID string
	Timestamp     string
	Amount        string
	Currency      string
	Channel       string // bank_transfer, card, msb, p2p, crypto, atm, cash or other
	Reference     string // free text as the customer wrote it
	MCC           string // merchant category code, 4 digits
	MerchantID    string
	MerchantName  string

	PayerAccount     string
	PayerIBAN        string
	PayerAccountType string // bank, card, wallet or remitter
	PayerBank        string // BIC or bank name
	PayerCustomerID  string
	PayerType        string // person (default) or company
	PayerName        string
	PayerBirthDate   string
	PayerCountry     string
	PayerEmail       string
	PayerPhone       string
	PayerIP          string // online-banking login IP at the time of the payment
	PayerDeviceID    string
	PayerDeviceType  string // imei, iccid, idfa, aaid or device (default), as for platform events

	PayeeAccount     string
	PayeeIBAN        string
	PayeeAccountType string
	PayeeBank        string
	PayeeCustomerID  string
	PayeeType        string
	PayeeName        string
	PayeeCountry     string
	PayeeEmail       string
	PayeePhone       string
}

// txColumn is one canonical column and the field of TransactionRecord that holds it.
type txColumn struct {
	name  string
	field func(*TransactionRecord) *string
}

// txColumns are the canonical columns, in the order of docs/formats.md.
var txColumns = []txColumn{
	{"transaction_id", func(r *TransactionRecord) *string { return &r.TransactionID }},
	{"timestamp", func(r *TransactionRecord) *string { return &r.Timestamp }},
	{"amount", func(r *TransactionRecord) *string { return &r.Amount }},
	{"currency", func(r *TransactionRecord) *string { return &r.Currency }},
	{"channel", func(r *TransactionRecord) *string { return &r.Channel }},
	{"reference", func(r *TransactionRecord) *string { return &r.Reference }},
	{"mcc", func(r *TransactionRecord) *string { return &r.MCC }},
	{"merchant_id", func(r *TransactionRecord) *string { return &r.MerchantID }},
	{"merchant_name", func(r *TransactionRecord) *string { return &r.MerchantName }},
	{"payer_account", func(r *TransactionRecord) *string { return &r.PayerAccount }},
	{"payer_iban", func(r *TransactionRecord) *string { return &r.PayerIBAN }},
	{"payer_account_type", func(r *TransactionRecord) *string { return &r.PayerAccountType }},
	{"payer_bank", func(r *TransactionRecord) *string { return &r.PayerBank }},
	{"payer_customer_id", func(r *TransactionRecord) *string { return &r.PayerCustomerID }},
	{"payer_type", func(r *TransactionRecord) *string { return &r.PayerType }},
	{"payer_name", func(r *TransactionRecord) *string { return &r.PayerName }},
	{"payer_birth_date", func(r *TransactionRecord) *string { return &r.PayerBirthDate }},
	{"payer_country", func(r *TransactionRecord) *string { return &r.PayerCountry }},
	{"payer_email", func(r *TransactionRecord) *string { return &r.PayerEmail }},
	{"payer_phone", func(r *TransactionRecord) *string { return &r.PayerPhone }},
	{"payer_ip", func(r *TransactionRecord) *string { return &r.PayerIP }},
	{"payer_device_id", func(r *TransactionRecord) *string { return &r.PayerDeviceID }},
	{"payer_device_type", func(r *TransactionRecord) *string { return &r.PayerDeviceType }},
	{"payee_account", func(r *TransactionRecord) *string { return &r.PayeeAccount }},
	{"payee_iban", func(r *TransactionRecord) *string { return &r.PayeeIBAN }},
	{"payee_account_type", func(r *TransactionRecord) *string { return &r.PayeeAccountType }},
	{"payee_bank", func(r *TransactionRecord) *string { return &r.PayeeBank }},
	{"payee_customer_id", func(r *TransactionRecord) *string { return &r.PayeeCustomerID }},
	{"payee_type", func(r *TransactionRecord) *string { return &r.PayeeType }},
	{"payee_name", func(r *TransactionRecord) *string { return &r.PayeeName }},
	{"payee_country", func(r *TransactionRecord) *string { return &r.PayeeCountry }},
	{"payee_email", func(r *TransactionRecord) *string { return &r.PayeeEmail }},
	{"payee_phone", func(r *TransactionRecord) *string { return &r.PayeePhone }},
}

// txRequired are the columns every transaction has.
var txRequired = []string{"transaction_id", "timestamp", "amount", "currency"}

// isTxColumn reports whether name is a canonical column.
func isTxColumn(name string) bool {
	for _, c := range txColumns {
		if c.name == name {
			return true
		}
	}
	return false
}

// TransactionFields builds a record from values by canonical column name (lower-case), e.g.
// from an ingest request; names that are not canonical columns are ignored, as unknown columns
// of a file are.
func TransactionFields(values map[string]string) TransactionRecord {
	var t TransactionRecord
	for _, c := range txColumns {
		*c.field(&t) = strings.TrimSpace(values[c.name])
	}
	return t
}

// txSource says where one canonical column's value comes from in a file.
type txSource struct {
	column   string // the file's column; "" when absent
	constant string
	isConst  bool
}

// txFileColumns are the canonical columns resolved against one file's header and mapping,
// in the order of txColumns.
type txFileColumns []txSource

// newTxColumns resolves every canonical column against the header: a mapping's constant, its
// mapped column, or the column of the canonical name itself.
func newTxColumns(c *CSV, m *Mapping) (txFileColumns, error) {
	if m == nil {
		m = &Mapping{}
	}
	var unmapped []string
	for canon, col := range m.Columns {
		if !c.Has(col) {
			unmapped = append(unmapped, fmt.Sprintf("%q (for %s)", col, canon))
		}
	}
	if len(unmapped) > 0 {
		sort.Strings(unmapped)
		return nil, fmt.Errorf("mapping names columns the header does not have: %s", strings.Join(unmapped, ", "))
	}
	cols := make(txFileColumns, len(txColumns))
	has := map[string]bool{}
	for i, tc := range txColumns {
		if v, ok := m.Constants[tc.name]; ok {
			cols[i] = txSource{constant: v, isConst: true}
			has[tc.name] = v != ""
			continue
		}
		col := tc.name
		if mc, ok := m.Columns[tc.name]; ok {
			col = mc
		}
		if c.Has(col) {
			cols[i] = txSource{column: col}
			has[tc.name] = true
		}
	}
	var missing []string
	for _, name := range txRequired {
		if !has[name] {
			missing = append(missing, name)
		}
	}
	switch {
	case len(missing) > 0 && len(m.Columns)+len(m.Constants) > 0:
		return nil, fmt.Errorf("required columns neither in the header nor in the mapping: %s", strings.Join(missing, ", "))
	case len(missing) > 0:
		return nil, fmt.Errorf("header lacks required columns: %s (or give a -mapping)", strings.Join(missing, ", "))
	case !has["payer_account"] && !has["payer_iban"]:
		return nil, errors.New("header has no payer account: want payer_account or payer_iban")
	case !has["payee_account"] && !has["payee_iban"] && !has["merchant_id"] && !has["merchant_name"]:
		return nil, errors.New("header has no payee: want payee_account, payee_iban, merchant_id or merchant_name")
	}
	return cols, nil
}

// record reads one row's canonical values.
func (cols txFileColumns) record(rec CSVRecord) TransactionRecord {
	var t TransactionRecord
	for i, s := range cols {
		switch {
		case s.isConst:
			*txColumns[i].field(&t) = s.constant
		case s.column != "":
			*txColumns[i].field(&t) = rec.Get(s.column)
		}
	}
	return t
}

// TransactionLayout is how a bank writes times and amounts when not in the canonical forms.
type TransactionLayout struct {
	// TimestampFormat is a Go time layout ("02.01.2006 15:04"); "" accepts the canonical forms.
	TimestampFormat string
	// Location is the zone of timestamps that carry none; nil is UTC.
	Location *time.Location
	// DecimalComma reads amounts like "1.234,56": '.' groups thousands, ',' is the decimal mark.
	DecimalComma bool
}

// time parses a timestamp into UTC, checked like graph.NormalizeTime.
func (l TransactionLayout) time(s string, now time.Time) (time.Time, error) {
	if l.TimestampFormat == "" {
		return graph.NormalizeTime(s, l.Location, now)
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, graph.Errorf(graph.EINVALID, "empty time")
	}
	loc := l.Location
	if loc == nil {
		loc = time.UTC
	}
	t, err := time.ParseInLocation(l.TimestampFormat, s, loc)
	if err != nil {
		return time.Time{}, graph.Errorf(graph.EINVALID, "not a time in the mapping's timestamp_format %q", l.TimestampFormat)
	}
	// Through the normaliser, so that the range checks are the same for every layout.
	return graph.NormalizeTime(t.Format(time.RFC3339Nano), nil, now)
}

// amount parses an amount into minor units of the currency.
func (l TransactionLayout) amount(s, currency string) (int64, error) {
	if l.DecimalComma {
		var err error
		if s, err = fromDecimalComma(s); err != nil {
			return 0, err
		}
	}
	return graph.ParseAmount(s, currency)
}

// fromDecimalComma rewrites "1.234,56" as "1234.56" for graph.ParseAmount. The '.' must group
// the integer digits by three, so that "12.34" (a decimal point in a decimal-comma file) is
// refused rather than read as 1234.
func fromDecimalComma(s string) (string, error) {
	s = strings.TrimSpace(s)
	intPart, frac, hasFrac := strings.Cut(s, ",")
	switch {
	case strings.Contains(frac, ","):
		return "", graph.Errorf(graph.EINVALID, "amount has two decimal commas")
	case strings.Contains(frac, "."):
		return "", graph.Errorf(graph.EINVALID, "amount has a '.' after the decimal comma; with decimal_comma write 1.234,56")
	}
	if strings.Contains(intPart, ".") {
		groups := strings.Split(intPart, ".")
		first := strings.TrimLeft(groups[0], "+-\u2212")
		ok := len(first) >= 1 && len(first) <= 3
		for _, g := range groups[1:] {
			ok = ok && len(g) == 3
		}
		if !ok {
			return "", graph.Errorf(graph.EINVALID, "amount has a '.' that does not group thousands; with decimal_comma write 1.234,56")
		}
		intPart = strings.Join(groups, "")
	}
	if hasFrac {
		return intPart + "." + frac, nil
	}
	return intPart, nil
}

// Channels of a transaction (docs/formats.md).
var txChannels = map[string]bool{
	"bank_transfer": true, "card": true, "msb": true, "p2p": true, "crypto": true, "atm": true, "cash": true, "other": true,
}

const txChannelList = "bank_transfer, card, msb, p2p, crypto, atm, cash or other"

// Account types of a transaction's accounts (docs/formats.md).
var txAccountTypes = map[string]bool{"bank": true, "card": true, "wallet": true, "remitter": true}

// Limits on free text: a longer value is a broken export, not a name or reference.
const (
	txMaxKey  = 256  // ids, account numbers, customer ids
	txMaxText = 4096 // names, references
)

// txSide is the payer or payee of a transaction, validated.
type txSide struct {
	role        string // "payer" or "payee"
	account     string
	iban        string
	accountType string
	bic, bank   string
	customer    string
	label       graph.Label // Person or Company
	name        string
	clk         string // the name (and birth date) as a CLK, "clk:<base64>", instead of name
	birthDate   string
	country     string
	email       string
	phone       string
}

// field is the canonical column of this side's attribute, e.g. "payer_iban".
func (s *txSide) field(attr string) string { return s.role + "_" + attr }

// hasAccount reports whether the side names an account (by number or IBAN).
func (s *txSide) hasAccount() bool { return s.account != "" || s.iban != "" }

// accountID is the side's account id: its IBAN's when it has one, else the partner-scoped
// number's.
func (s *txSide) accountID(partner string) string {
	if s.iban != "" {
		return graph.IBANAccountID(s.iban)
	}
	return graph.AccountID(partner, s.account)
}

// newTxSide validates one side's columns; birthDate is only the payer's.
func newTxSide(role, account, iban, accountType, bank, customer, partyType, name, birthDate, country, email, phone string, now time.Time, phones *txPhones) (*txSide, *FieldError) {
	s := &txSide{role: role, label: graph.LabelPerson}
	var fe *FieldError
	var err error
	if s.account, fe = txKey(s.field("account"), account); fe != nil {
		return nil, fe
	}
	if k, ok := graph.KeyedValue(s.account); ok {
		s.account = k // one keyed number in two cases is one account
	}
	if iban != "" {
		if s.iban, err = graph.NormalizeIBAN(iban); err != nil {
			return nil, AsField(s.field("iban"), err)
		}
	}
	if accountType != "" {
		s.accountType = strings.ToLower(accountType)
		if !txAccountTypes[s.accountType] {
			return nil, Fieldf(s.field("account_type"), "unknown account type; want bank, card, wallet or remitter")
		}
	}
	if bank != "" {
		if fe := txText(s.field("bank"), bank, txMaxKey); fe != nil {
			return nil, fe
		}
		if isBIC(bank) {
			s.bic = bank
		} else {
			s.bank = bank
		}
	}
	if s.customer, fe = txKey(s.field("customer_id"), customer); fe != nil {
		return nil, fe
	}
	switch strings.ToLower(partyType) {
	case "", "person":
	case "company":
		s.label = graph.LabelCompany
	default:
		return nil, Fieldf(s.field("type"), "unknown party type; want person or company")
	}
	if fe := txText(s.field("name"), name, txMaxText); fe != nil {
		return nil, fe
	}
	if s.name, s.clk, fe = nameOrCLK(s.field("name"), name); fe != nil {
		return nil, fe
	}
	if birthDate != "" {
		if s.label == graph.LabelCompany {
			return nil, Fieldf(s.field("birth_date"), "given for a company; a birth date belongs to a person")
		}
		if s.birthDate, err = graph.NormalizeDate(birthDate, now); err != nil {
			return nil, AsField(s.field("birth_date"), err)
		}
	}
	if country != "" {
		if s.country, err = graph.NormalizeCountry(country); err != nil {
			return nil, AsField(s.field("country"), err)
		}
	}
	if email != "" {
		if s.email, err = graph.NormalizeEmail(email); err != nil {
			return nil, AsField(s.field("email"), err)
		}
	}
	if phone != "" {
		// A number without +country code is read as dialled in the side's country.
		if s.phone, err = phones.normalize(phone, s.country); err != nil {
			return nil, AsField(s.field("phone"), err)
		}
	}
	return s, nil
}

// Graph validates the transaction and returns its facts: the Transaction; the payer's account
// (and the Person or Company that holds it) that SENT it; the payee's account (and holder) or
// Merchant it went TO; the e-mails and phones the parties use; the payer's login IP and device;
// and the Handles its reference mentions. Or it returns the first field at fault. partner
// scopes the ids only the bank can give; ref locates the record (its Record and Seen become
// the transaction id and time); layout says how times and amounts are written (zero: the
// canonical forms); now bounds dates, which may not lie in the future.
func (t TransactionRecord) Graph(partner string, ref graph.Ref, layout TransactionLayout, now time.Time) ([]graph.Node, []graph.Edge, *FieldError) {
	return t.graph(partner, ref, layout, now, nil)
}

// graph is Graph with a phone memo (nil: none).
func (t TransactionRecord) graph(partner string, ref graph.Ref, layout TransactionLayout, now time.Time, phones *txPhones) ([]graph.Node, []graph.Edge, *FieldError) {
	if strings.TrimSpace(partner) == "" {
		return nil, nil, Fieldf("partner", "empty; the bank's name scopes its account and customer ids")
	}
	txID, fe := txKey("transaction_id", t.TransactionID)
	if fe != nil {
		return nil, nil, fe
	}
	if txID == "" {
		return nil, nil, Fieldf("transaction_id", "empty; a transaction needs the bank's id")
	}
	at, err := layout.time(t.Timestamp, now)
	if err != nil {
		return nil, nil, AsField("timestamp", err)
	}
	currency, err := graph.NormalizeCurrency(t.Currency)
	if err != nil {
		return nil, nil, AsField("currency", err)
	}
	amount, err := layout.amount(t.Amount, currency)
	if err != nil {
		return nil, nil, AsField("amount", err)
	}
	if amount == 0 {
		return nil, nil, Fieldf("amount", "zero; a payment moves a positive amount")
	}
	channel := strings.ToLower(t.Channel)
	if channel != "" && !txChannels[channel] {
		return nil, nil, Fieldf("channel", "unknown channel; want %s", txChannelList)
	}
	if fe := txText("reference", t.Reference, txMaxText); fe != nil {
		return nil, nil, fe
	}
	if t.MCC != "" && (len(t.MCC) != 4 || strings.Trim(t.MCC, "0123456789") != "") {
		return nil, nil, Fieldf("mcc", "not a merchant category code; want 4 digits")
	}
	merchantID, fe := txKey("merchant_id", t.MerchantID)
	if fe != nil {
		return nil, nil, fe
	}
	if fe := txText("merchant_name", t.MerchantName, txMaxText); fe != nil {
		return nil, nil, fe
	}
	payer, fe := newTxSide("payer", t.PayerAccount, t.PayerIBAN, t.PayerAccountType, t.PayerBank, t.PayerCustomerID,
		t.PayerType, t.PayerName, t.PayerBirthDate, t.PayerCountry, t.PayerEmail, t.PayerPhone, now, phones)
	if fe != nil {
		return nil, nil, fe
	}
	payee, fe := newTxSide("payee", t.PayeeAccount, t.PayeeIBAN, t.PayeeAccountType, t.PayeeBank, t.PayeeCustomerID,
		t.PayeeType, t.PayeeName, "", t.PayeeCountry, t.PayeeEmail, t.PayeePhone, now, phones)
	if fe != nil {
		return nil, nil, fe
	}
	var ip string
	if t.PayerIP != "" {
		if ip, err = graph.NormalizeIP(t.PayerIP); err != nil {
			return nil, nil, AsField("payer_ip", err)
		}
	}
	device, fe := txKey("payer_device_id", t.PayerDeviceID)
	if fe != nil {
		return nil, nil, fe
	}
	deviceKind := strings.ToLower(strings.TrimSpace(t.PayerDeviceType))
	if deviceKind == "" {
		deviceKind = "device"
	}
	if device != "" {
		// The same checks and forms as platform and CyberTipline devices, so that a handset
		// the bank's app saw is one node with the one a platform or a report names.
		v, fe := platformDevice(deviceKind, device)
		if fe != nil {
			fe.Field = "payer_" + fe.Field
			return nil, nil, fe
		}
		device = v
	} else if t.PayerDeviceType != "" {
		return nil, nil, Fieldf("payer_device_type", "given without payer_device_id")
	}

	if !payer.hasAccount() {
		return nil, nil, Fieldf("payer_account", "empty, and no payer_iban either; the payer needs an account")
	}
	merchantKey := merchantID
	if merchantKey == "" {
		// Names differ only in case and spacing between rows of one export.
		merchantKey = strings.ToLower(strings.Join(strings.Fields(t.MerchantName), " "))
	}
	if !payee.hasAccount() {
		switch {
		case merchantKey == "":
			return nil, nil, Fieldf("payee_account", "empty, and no payee_iban, merchant_id or merchant_name either; the payment needs a payee")
		case payee.customer != "":
			// HOLDS links a party to an account; a merchant payee has none to hold.
			return nil, nil, Fieldf("payee_customer_id", "given without payee_account or payee_iban")
		case payee.accountType != "":
			return nil, nil, Fieldf("payee_account_type", "given without payee_account or payee_iban")
		case payee.bic != "" || payee.bank != "":
			return nil, nil, Fieldf("payee_bank", "given without payee_account or payee_iban")
		}
	}
	payerAcct := payer.accountID(partner)
	payeeID := graph.MerchantID(partner, merchantKey)
	if payee.hasAccount() {
		payeeID = payee.accountID(partner)
	}
	if payeeID == payerAcct {
		f := "payee_account"
		if payee.iban != "" {
			f = "payee_iban"
		}
		return nil, nil, Fieldf(f, "the payer's own account; a payment goes from one account to another")
	}

	ref.Record, ref.Seen = txID, at
	txNode := graph.TransactionID(partner, txID)
	props := map[string]any{
		"transactionId": txID, "amount": amount, "currency": currency, "timestamp": at,
		"channel": channel, "reference": t.Reference, "mcc": t.MCC,
		"payerCountry": payer.country, "payeeCountry": payee.country,
	}
	if payee.hasAccount() {
		// The merchant is not the payee: keep what the row says about it on the payment.
		props["merchantId"], props["merchantName"] = merchantID, t.MerchantName
	}
	g := &txGraph{ref: ref}
	g.node(graph.LabelTransaction, txNode, props)
	g.side(payer, partner, payerAcct)
	if payee.hasAccount() {
		g.side(payee, partner, payeeID)
	} else {
		name, clk := t.MerchantName, ""
		if name == "" {
			name, clk = payee.name, payee.clk
		}
		g.node(graph.LabelMerchant, payeeID, map[string]any{
			"merchantId": merchantID, "name": name, "clk": clk, "mcc": t.MCC, "country": payee.country,
		})
		g.identifiers(payeeID, payee)
	}
	g.edge(graph.RelSent, payerAcct, txNode, "", nil)
	g.edge(graph.RelTo, txNode, payeeID, "", nil)
	if ip != "" {
		g.node(graph.LabelIPAddress, graph.IPID(ip), map[string]any{"address": ip})
		// The login of this payment hangs from the Transaction, not the account: a busy account
		// paying from one home IP would otherwise pile up thousands of relationships between
		// the same two nodes, each MERGE scanning the others. Account to IP is one hop more.
		g.edge(graph.RelLoggedInFrom, txNode, graph.IPID(ip), "", map[string]any{"at": at, "event": "payment"})
	}
	if device != "" {
		dev := graph.DeviceID(deviceKind, device)
		g.node(graph.LabelDevice, dev, map[string]any{"kind": deviceKind, "value": device})
		g.edge(graph.RelUsesDevice, payerAcct, dev, "", nil)
	}
	region := payee.country
	if region == "" {
		region = payer.country
	}
	for _, m := range ReferenceMentions(t.Reference, region) {
		g.node(m.Label, m.ID, m.Props)
		var eprops map[string]any
		if m.Service != "" {
			eprops = map[string]any{"service": m.Service}
		}
		g.edge(graph.RelMentions, txNode, m.ID, "", eprops)
	}
	return g.nodes, g.edges, nil
}

// txPhoneMemo bounds the phone memo of one file, keeping memory constant on any file.
const txPhoneMemo = 4096

// txPhones memoises graph.NormalizePhone within one file: an export repeats each customer's
// number on every one of their payments, and libphonenumber's parsing is half the cost of a row.
type txPhones struct{ m map[[2]string]txPhone }

type txPhone struct {
	e164 string
	err  error
}

func (c *txPhones) normalize(s, region string) (string, error) {
	if c == nil {
		return graph.NormalizePhone(s, region)
	}
	k := [2]string{s, region}
	if r, ok := c.m[k]; ok {
		return r.e164, r.err
	}
	if len(c.m) >= txPhoneMemo {
		clear(c.m)
	}
	e164, err := graph.NormalizePhone(s, region)
	c.m[k] = txPhone{e164, err}
	return e164, err
}

// txGraph collects one record's facts, all with the record's Ref.
type txGraph struct {
	ref   graph.Ref
	nodes []graph.Node
	edges []graph.Edge
}

func (g *txGraph) node(l graph.Label, id string, props map[string]any) {
	g.nodes = append(g.nodes, graph.Node{Label: l, ID: id, Props: props, Ref: g.ref})
}

func (g *txGraph) edge(t graph.RelType, from, to, key string, props map[string]any) {
	g.edges = append(g.edges, graph.Edge{Type: t, From: from, To: to, Key: key, Props: props, Ref: g.ref})
}

// side adds a side's account, the party that holds it, and the identifiers the party (or,
// without a party, the account) uses.
func (g *txGraph) side(s *txSide, partner, acct string) {
	props := map[string]any{
		"iban": s.iban, "accountNumber": s.account, "accountType": s.accountType, "bic": s.bic, "bankName": s.bank,
	}
	user := acct
	if s.customer != "" {
		party := graph.PartyID(s.label, partner, s.customer)
		g.node(s.label, party, map[string]any{
			"customerId": s.customer, "name": s.name, "clk": s.clk, "birthDate": s.birthDate, "country": s.country,
		})
		g.edge(graph.RelHolds, party, acct, "", nil)
		user = party
	} else {
		// Without a customer id there is no party to hang these on, and dropping them would
		// lose what the bank knows about the holder.
		props["holderName"], props["holderClk"], props["holderBirthDate"] = s.name, s.clk, s.birthDate
	}
	g.node(graph.LabelBankAccount, acct, props)
	g.identifiers(user, s)
}

// identifiers adds the e-mail and phone a side uses, used by id.
func (g *txGraph) identifiers(id string, s *txSide) {
	if s.email != "" {
		g.node(graph.LabelEmail, graph.EmailID(s.email), map[string]any{"address": s.email})
		g.edge(graph.RelUsesEmail, id, graph.EmailID(s.email), "", nil)
	}
	if s.phone != "" {
		g.node(graph.LabelPhone, graph.PhoneID(s.phone), map[string]any{"number": s.phone})
		g.edge(graph.RelUsesPhone, id, graph.PhoneID(s.phone), "", nil)
	}
}

// nameOrCLK reads a name column: a clear name, or in the privacy-preserving mode the CLK of the
// name (and birth date) that a partner sends instead, "clk:" and the base64 of 128 bytes
// (resolve.EncodeCLK, docs/privacy.md). It returns one of the two; a value that starts with
// "clk:" and is no CLK is an error on field.
func nameOrCLK(field, s string) (name, clk string, fe *FieldError) {
	if !strings.HasPrefix(s, resolve.CLKPrefix) {
		return s, "", nil
	}
	if _, err := resolve.DecodeCLK(s); err != nil {
		return "", "", Fieldf(field, "%v", err)
	}
	return "", s, nil
}

// txKey checks a value that becomes part of an id or is matched as a key: bounded, printable,
// on one line.
func txKey(field, s string) (string, *FieldError) {
	if fe := txCheck(field, s, txMaxKey, false); fe != nil {
		return "", fe
	}
	return s, nil
}

// txText checks free text: bounded, valid UTF-8, no control characters but line breaks and
// tabs, which multi-line references of bank exports carry.
func txText(field, s string, max int) *FieldError { return txCheck(field, s, max, true) }

func txCheck(field, s string, max int, spaces bool) *FieldError {
	switch {
	case len(s) > max:
		return Fieldf(field, "longer than %d bytes", max)
	case !utf8.ValidString(s):
		return Fieldf(field, "not valid UTF-8")
	}
	for _, r := range s {
		if !unicode.IsGraphic(r) && !(spaces && unicode.IsSpace(r)) {
			return Fieldf(field, "contains a control or invisible character")
		}
	}
	return nil
}

// isBIC reports whether a bank column holds a BIC (ISO 9362) rather than a name: 8 or 11
// upper-case letters and digits, a bank code of letters and a country that exists. Names are
// written in mixed case, so "Commerzbank" stays a name.
func isBIC(s string) bool {
	if len(s) != 8 && len(s) != 11 {
		return false
	}
	for i := range len(s) {
		c := s[i]
		letter := 'A' <= c && c <= 'Z'
		if !letter && (i < 6 || c < '0' || c > '9') {
			return false
		}
	}
	_, err := graph.NormalizeCountry(s[4:6])
	return err == nil
}

// Mention is an identifier found in free text (a payment reference): a Handle, or a Phone
// given as a WhatsApp contact.
type Mention struct {
	Label   graph.Label
	ID      string
	Props   map[string]any
	Service string // the platform a prefix named ("snapchat", "telegram", ...), "" for a bare @handle
}

// Handle prefixes customers write in references, and the platform each names.
var mentionServices = map[string]string{
	"snap": "snapchat", "sc": "snapchat", "tg": "telegram", "telegram": "telegram",
	"ig": "instagram", "insta": "instagram", "wa": "whatsapp",
}

var (
	// An @handle stands after a space, punctuation or the start: "bob@example.org" is an
	// e-mail address, not the handle "example.org".
	atHandleRe = regexp.MustCompile(`(?:^|[^\p{L}\p{N}_.@+\-])@([\p{L}\p{N}_][\p{L}\p{N}_.\-]*)`)
	// A prefix is a whole word: "desc: x" and "config: x" name no platform.
	prefixHandleRe = regexp.MustCompile(`(?i)(?:^|[^\p{L}\p{N}_])(snap|sc|tg|telegram|ig|insta|wa)\s*:\s*@?([\p{L}\p{N}_][\p{L}\p{N}_.\-]*)`)
	// A WhatsApp contact is usually a phone number, with spaces or dashes in it.
	waPhoneRe = regexp.MustCompile(`(?i)(?:^|[^\p{L}\p{N}_])wa\s*:\s*(\+?[0-9][0-9 ()./\-]{5,}[0-9])`)
)

// Handle lengths kept: shorter is more often a word or initials than an account; platforms
// cap usernames well below the longer bound.
const (
	minMentionHandle = 3
	maxMentionHandle = 64
)

// ReferenceMentions finds the handles a payment reference names: @handles of three or more
// characters and names after snap:, sc:, tg:, telegram:, ig:, insta: or wa:, normalised with
// graph.NormalizeHandle; and phone numbers after wa:, read as dialled in region when they lack
// a +country code. It is conservative, since a wrong handle links unrelated people: e-mail
// addresses, handles followed by '@', and all-digit names are not handles. Each identifier is
// returned once, in the order of the text.
func ReferenceMentions(text, region string) []Mention {
	// The scans are most of the cost of a row, and most references have neither '@' nor ':'.
	hasAt, hasColon := strings.Contains(text, "@"), strings.Contains(text, ":")
	if !hasAt && !hasColon {
		return nil
	}
	type found struct {
		at int
		m  Mention
	}
	var all []found
	seen := map[string]int{} // id -> index in all
	add := func(at int, m Mention) {
		i, ok := seen[m.ID]
		switch {
		case !ok:
			seen[m.ID] = len(all)
			all = append(all, found{at, m})
		case all[i].m.Service == "":
			// "@bob ... snap:bob": the prefix tells the platform.
			all[i].m.Service = m.Service
		}
	}
	handle := func(start, end int, service string) {
		raw := strings.TrimRight(text[start:end], ".-")
		if end < len(text) && text[end] == '@' {
			return // user@host: an e-mail or fediverse address
		}
		h, err := graph.NormalizeHandle(raw)
		if err != nil || utf8.RuneCountInString(h) < minMentionHandle || utf8.RuneCountInString(h) > maxMentionHandle {
			return
		}
		if strings.Trim(h, "0123456789.") == "" {
			return // "@1500", "wa: 0917...": amounts and numbers, not names
		}
		add(start, Mention{Label: graph.LabelHandle, ID: graph.HandleID(h), Props: map[string]any{"value": h}, Service: service})
	}
	if hasAt {
		for _, loc := range atHandleRe.FindAllStringSubmatchIndex(text, -1) {
			handle(loc[2], loc[3], "")
		}
	}
	if hasColon {
		phoneAt := map[int]bool{}
		for _, loc := range waPhoneRe.FindAllStringSubmatchIndex(text, -1) {
			if phone, err := graph.NormalizePhone(text[loc[2]:loc[3]], region); err == nil {
				phoneAt[loc[2]] = true
				add(loc[2], Mention{Label: graph.LabelPhone, ID: graph.PhoneID(phone), Props: map[string]any{"number": phone}, Service: "whatsapp"})
			}
		}
		for _, loc := range prefixHandleRe.FindAllStringSubmatchIndex(text, -1) {
			if !phoneAt[loc[4]] {
				handle(loc[4], loc[5], mentionServices[strings.ToLower(text[loc[2]:loc[3]])])
			}
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].at < all[j].at })
	out := make([]Mention, len(all))
	for i, f := range all {
		out[i] = f.m
	}
	return out
}
