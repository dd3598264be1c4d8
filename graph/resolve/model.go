package resolve

import (
	"fmt"
	"math"
)

// Model holds the Fellegi-Sunter parameters: the prior probability that a candidate pair is a
// match, and per comparison the m and u probabilities of each of its levels. It is what
// `crosslink resolve -model FILE` reads and what graph stores after an estimating run, as JSON.
type Model struct {
	Lambda      float64           `json:"lambda"`      // prior: P(match) among candidate pairs
	Comparisons []ComparisonModel `json:"comparisons"` // in the engine's comparison order
	Estimated   bool              `json:"estimated"`   // true: EM over Pairs candidate pairs
	Pairs       int               `json:"pairs,omitempty"`
	Iterations  int               `json:"iterations,omitempty"`
}

// ComparisonModel is one comparison's parameters: one m and one u per level, the last level
// being "disagree" (unknown values carry no weight and have no level).
type ComparisonModel struct {
	Name   string    `json:"name"`
	Levels []string  `json:"levels"`
	M      []float64 `json:"m"`
	U      []float64 `json:"u"`
}

// Weight is log2(m/u) of level l.
func (c *ComparisonModel) Weight(l int) float64 {
	return math.Log2(c.M[l] / c.U[l])
}

func (m *Model) validate() error {
	if m.Lambda <= 0 || m.Lambda >= 1 {
		return fmt.Errorf("model: lambda %v: want a probability between 0 and 1", m.Lambda)
	}
	for _, c := range m.Comparisons {
		if len(c.M) != len(c.Levels) || len(c.U) != len(c.Levels) {
			return fmt.Errorf("model: comparison %q: want one m and one u per level (%d levels)", c.Name, len(c.Levels))
		}
		for i := range c.Levels {
			if c.M[i] <= 0 || c.M[i] > 1 || c.U[i] <= 0 || c.U[i] > 1 {
				return fmt.Errorf("model: comparison %q level %q: m and u must be in (0, 1]", c.Name, c.Levels[i])
			}
		}
	}
	return nil
}
