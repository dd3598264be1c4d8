package detect

// CSERules holds the parameters of the cse rules.
type CSERules struct{}

func (r *CSERules) validate(p *problems) {}

// cseRules lists the cse rules.
var cseRules = []ruleSpec{}
