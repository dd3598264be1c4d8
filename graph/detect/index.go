package detect

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"sync"
	"time"
)

// Index is the read-only view every rule works on: transactions in time order, nodes numbered,
// and each node's outgoing and incoming transactions in time order. Rules may run at once.
type Index struct {
	Cfg   *Config
	Txs   []Tx      // sorted by At, then ID
	From  []int32   // node number of each transaction's payer
	To    []int32   // node number of each transaction's payee
	EUR   []float64 // each amount in euros; NaN when the currency has no rate
	Nodes []string  // node ids by number
	Out   [][]int32 // by node: its outgoing transactions (indexes into Txs), oldest first
	In    [][]int32 // by node: its incoming transactions, oldest first
	Now   time.Time
	Facts Facts

	// The same at the level of subjects (a customer's accounts and cards are one subject):
	// laundering shapes run over these, so that a customer paying out of one account and
	// receiving on another is one step of a cycle, and moving money between one's own
	// accounts is no step at all.
	SFrom  []int32
	STo    []int32
	SNodes []string  // subject ids by number
	SOut   [][]int32 // by subject: outgoing transactions, oldest first
	SIn    [][]int32 // by subject: incoming transactions, oldest first
	// Prelim is the risk each subject has from the cse, cross and aml rules, set before the
	// network rules run (nil before).
	Prelim map[string]float64

	accounts map[string]*Account
	nodeNum  map[string]int32

	subjOnce  sync.Once
	subjNodes map[string][]int32 // subject -> its nodes
	subjects  []string           // sorted
}

// BySubject returns each subject with the nodes it stands for (a customer's accounts and cards),
// subjects sorted; computed once.
func (x *Index) BySubject() ([]string, map[string][]int32) {
	x.subjOnce.Do(func() {
		x.subjNodes = map[string][]int32{}
		for n, id := range x.Nodes {
			s := x.Subject(id)
			x.subjNodes[s] = append(x.subjNodes[s], int32(n))
		}
		for s := range x.subjNodes {
			x.subjects = append(x.subjects, s)
		}
		slices.Sort(x.subjects)
	})
	return x.subjects, x.subjNodes
}

// OutOf returns the outgoing transactions of several nodes, in time order.
func (x *Index) OutOf(nodes []int32) []int32 {
	if len(nodes) == 1 {
		return x.Out[nodes[0]]
	}
	var out []int32
	for _, n := range nodes {
		out = append(out, x.Out[n]...)
	}
	slices.Sort(out) // transaction indexes are in time order
	return out
}

// InOf returns the incoming transactions of several nodes, in time order.
func (x *Index) InOf(nodes []int32) []int32 {
	if len(nodes) == 1 {
		return x.In[nodes[0]]
	}
	var out []int32
	for _, n := range nodes {
		out = append(out, x.In[n]...)
	}
	slices.Sort(out)
	return out
}

// PayeeCountry is where transaction t's money went: the row's payee country, else the
// payee's.
func (x *Index) PayeeCountry(t int32) string {
	if c := x.Txs[t].PayeeCountry; c != "" {
		return c
	}
	return x.Country(x.Txs[t].To)
}

// PayerCountry is where transaction t's money came from.
func (x *Index) PayerCountry(t int32) string {
	if c := x.Txs[t].PayerCountry; c != "" {
		return c
	}
	return x.Country(x.Txs[t].From)
}

// NewIndex builds the index of an input. It sorts in.Txs in place.
func NewIndex(in Input, cfg *Config) *Index {
	slices.SortFunc(in.Txs, func(a, b Tx) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	x := &Index{Cfg: cfg, Txs: in.Txs, Now: in.Now, Facts: in.Facts, accounts: in.Accounts,
		nodeNum: make(map[string]int32, len(in.Txs)/4+16)}
	if x.accounts == nil {
		x.accounts = map[string]*Account{}
	}
	x.From = make([]int32, len(in.Txs))
	x.To = make([]int32, len(in.Txs))
	x.EUR = make([]float64, len(in.Txs))
	for i := range in.Txs {
		t := &in.Txs[i]
		x.From[i], x.To[i] = x.num(t.From), x.num(t.To)
		if e, ok := cfg.EUR(t.Amount, t.Currency); ok {
			x.EUR[i] = e
		} else {
			x.EUR[i] = nan
		}
	}
	outN, inN := make([]int32, len(x.Nodes)), make([]int32, len(x.Nodes))
	for i := range in.Txs {
		outN[x.From[i]]++
		inN[x.To[i]]++
	}
	// One backing array for all lists: a million transactions make two allocations, not a
	// million.
	outAll, inAll := make([]int32, len(in.Txs)), make([]int32, len(in.Txs))
	x.Out, x.In = make([][]int32, len(x.Nodes)), make([][]int32, len(x.Nodes))
	var o, n int32
	for v := range x.Nodes {
		x.Out[v] = outAll[o : o : o+outN[v]]
		x.In[v] = inAll[n : n : n+inN[v]]
		o += outN[v]
		n += inN[v]
	}
	for i := range in.Txs {
		x.Out[x.From[i]] = append(x.Out[x.From[i]], int32(i))
		x.In[x.To[i]] = append(x.In[x.To[i]], int32(i))
	}
	x.SFrom, x.STo = make([]int32, len(in.Txs)), make([]int32, len(in.Txs))
	snum := map[string]int32{}
	subjOf := make([]int32, len(x.Nodes))
	for v, id := range x.Nodes {
		s := x.Subject(id)
		n, ok := snum[s]
		if !ok {
			n = int32(len(x.SNodes))
			snum[s] = n
			x.SNodes = append(x.SNodes, s)
		}
		subjOf[v] = n
	}
	x.SOut, x.SIn = make([][]int32, len(x.SNodes)), make([][]int32, len(x.SNodes))
	for i := range in.Txs {
		f, t := subjOf[x.From[i]], subjOf[x.To[i]]
		x.SFrom[i], x.STo[i] = f, t
		x.SOut[f] = append(x.SOut[f], int32(i))
		x.SIn[t] = append(x.SIn[t], int32(i))
	}
	if x.Now.IsZero() && len(in.Txs) > 0 {
		x.Now = in.Txs[len(in.Txs)-1].At
	}
	return x
}

var nan = func() float64 { var z float64; return z / z }()

// HasEUR reports whether transaction i has a euro amount.
func (x *Index) HasEUR(i int32) bool { return x.EUR[i] == x.EUR[i] }

func (x *Index) num(id string) int32 {
	if n, ok := x.nodeNum[id]; ok {
		return n
	}
	n := int32(len(x.Nodes))
	x.nodeNum[id] = n
	x.Nodes = append(x.Nodes, id)
	return n
}

// Num returns a node's number, or -1 when no transaction names it.
func (x *Index) Num(id string) int32 {
	if n, ok := x.nodeNum[id]; ok {
		return n
	}
	return -1
}

// Account returns what is known of a node (nil when nothing is).
func (x *Index) Account(id string) *Account { return x.accounts[id] }

// Holder returns the party behind a node: the account's holder, or nil.
func (x *Index) Holder(id string) *Party {
	if a := x.accounts[id]; a != nil {
		return a.Holder
	}
	return nil
}

// Subject is the entity signals about a node are attached to: the account's known holder
// (a customer, a payer party), else the node itself.
func (x *Index) Subject(id string) string {
	if h := x.Holder(id); h != nil && h.ID != "" {
		return h.ID
	}
	return id
}

// Country returns a node's country: the holder's, else the account's.
func (x *Index) Country(id string) string {
	a := x.accounts[id]
	if a == nil {
		return ""
	}
	if a.Holder != nil && a.Holder.Country != "" {
		return a.Holder.Country
	}
	return a.Country
}

// Surname returns the holder's surname, folded for comparison ("" when unknown).
func (x *Index) Surname(id string) string {
	h := x.Holder(id)
	if h == nil {
		return ""
	}
	s := h.Surname
	if s == "" {
		if f := strings.Fields(h.Name); len(f) > 1 {
			s = f[len(f)-1]
		}
	}
	return strings.ToLower(s)
}

// AgeAt returns the holder's age in whole years at t, or -1 when the birth date is unknown.
func (x *Index) AgeAt(id string, t time.Time) int {
	h := x.Holder(id)
	if h == nil || h.BirthDate.IsZero() {
		return -1
	}
	b := h.BirthDate
	age := t.Year() - b.Year()
	if t.YearDay() < b.YearDay() {
		age--
	}
	return age
}

// IDs returns the ids of transactions by index, in the order given.
func (x *Index) IDs(txs []int32) []string {
	out := make([]string, len(txs))
	for i, t := range txs {
		out[i] = x.Txs[t].ID
	}
	return out
}

func shortHash(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}
