package detect

// AMLRules holds the parameters of the aml rules.
type AMLRules struct{}

func (r *AMLRules) validate(p *problems) {}

// amlRules lists the aml rules.
var amlRules = []ruleSpec{}
