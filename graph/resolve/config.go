package resolve

import "fmt"

// Config tunes a run. The zero value means the defaults below.
type Config struct {
	// MatchThreshold is the probability at or above which a pair links (default 0.95).
	MatchThreshold float64 `json:"matchThreshold,omitempty"`
	// ReviewThreshold is the probability at or above which a pair that does not link is kept
	// for review (default 0.5). Pairs under it are not returned.
	ReviewThreshold float64 `json:"reviewThreshold,omitempty"`
	// MaxCluster is the largest cluster automatic links may build (default 25); a join past it
	// goes to review.
	MaxCluster int `json:"maxCluster,omitempty"`
	// MaxBlock is the largest block compared (default 100): a blocking key shared by more
	// records is dropped.
	MaxBlock int `json:"maxBlock,omitempty"`
	// MaxShared is the number of records past which a shared identifier value carries no weight
	// (default 20): the e-mail of 500 accounts, an address behind carrier-grade NAT.
	MaxShared int `json:"maxShared,omitempty"`
	// MaxCandidates bounds the candidates of one record, the rarest shared keys first
	// (default 50).
	MaxCandidates int `json:"maxCandidates,omitempty"`
	// Key is the consortium key of the privacy-preserving mode. When set, clear identifiers are
	// compared with keyed ones ("hmac:...") through their HMAC under it, and clear names and
	// birth dates with CLKs through their encoding under it. It is never stored.
	Key []byte `json:"-"`
	// Model gives the weights. Nil: they are estimated from the records (u from random pairs,
	// m and the prior by EM over the candidate pairs).
	Model *Model `json:"model,omitempty"`
	// Seed makes the random sampling of u repeatable (default 1).
	Seed uint64 `json:"seed,omitempty"`
}

// withDefaults fills unset fields.
func (c Config) withDefaults() Config {
	if c.MatchThreshold == 0 {
		c.MatchThreshold = 0.95
	}
	if c.ReviewThreshold == 0 {
		c.ReviewThreshold = 0.5
	}
	if c.MaxCluster == 0 {
		c.MaxCluster = 25
	}
	if c.MaxBlock == 0 {
		c.MaxBlock = 100
	}
	if c.MaxShared == 0 {
		c.MaxShared = 20
	}
	if c.MaxCandidates == 0 {
		c.MaxCandidates = 50
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
	return c
}

// Validate checks the configuration.
func (c Config) Validate() error {
	c = c.withDefaults()
	switch {
	case c.MatchThreshold <= 0 || c.MatchThreshold >= 1:
		return fmt.Errorf("matchThreshold %v: want a probability between 0 and 1", c.MatchThreshold)
	case c.ReviewThreshold <= 0 || c.ReviewThreshold > c.MatchThreshold:
		return fmt.Errorf("reviewThreshold %v: want a probability above 0 and at most matchThreshold", c.ReviewThreshold)
	case c.MaxCluster < 2:
		return fmt.Errorf("maxCluster %d: want at least 2", c.MaxCluster)
	case c.MaxBlock < 2:
		return fmt.Errorf("maxBlock %d: want at least 2", c.MaxBlock)
	case c.MaxShared < 2:
		return fmt.Errorf("maxShared %d: want at least 2", c.MaxShared)
	case c.MaxCandidates < 1:
		return fmt.Errorf("maxCandidates %d: want at least 1", c.MaxCandidates)
	}
	if c.Model != nil {
		return c.Model.validate()
	}
	return nil
}
