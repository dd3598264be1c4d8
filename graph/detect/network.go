package detect

// NetworkRules holds the parameters of the network rules.
type NetworkRules struct{}

func (r *NetworkRules) validate(p *problems) {}

// networkRules lists the network rules.
var networkRules = []ruleSpec{}
