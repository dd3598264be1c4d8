package detect

// CrossRules holds the parameters of the cross rules.
type CrossRules struct{}

func (r *CrossRules) validate(p *problems) {}

// crossRules lists the cross rules.
var crossRules = []ruleSpec{}
