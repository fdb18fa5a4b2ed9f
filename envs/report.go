package envs

// Report is a reviewed plan as `show-plan --json` and `plan --json` print it:
// grouped changes with their attribute diffs, and the risk findings.
// Sensitive values are masked in it like everywhere else.
type Report struct {
	FormatVersion    string         `json:"format_version"`
	TerraformVersion string         `json:"terraform_version"`
	Environment      string         `json:"environment,omitempty"`
	Summary          map[Action]int `json:"summary"`
	HighRisk         bool           `json:"high_risk"`
	Incomplete       bool           `json:"incomplete"`
	Findings         []Finding      `json:"findings"`
	Changes          []ChangeReport `json:"changes"`
	Drift            []ChangeReport `json:"drift"`
	Outputs          []OutputChange `json:"outputs"`
}

// ChangeReport is one resource's change in a Report.
type ChangeReport struct {
	Address           string     `json:"address"`
	Action            Action     `json:"action"`
	Actions           []string   `json:"terraform_actions"`
	PreviousAddress   string     `json:"previous_address,omitempty"`
	Reason            string     `json:"reason,omitempty"`
	ImportingID       string     `json:"importing_id,omitempty"`
	ForcesReplacement []string   `json:"forces_replacement,omitempty"`
	ReplaceReason     string     `json:"replace_reason,omitempty"` // for replacements: why, in words
	Attributes        []AttrDiff `json:"attributes"`
	Unchanged         int        `json:"unchanged_attributes"`
}

// NewReport builds the report of a plan and its findings.
func NewReport(p *Plan, findings []Finding, environment string, opts DiffOptions) (*Report, error) {
	r := &Report{
		FormatVersion: p.FormatVersion, TerraformVersion: p.TerraformVersion, Environment: environment,
		Summary: p.Summary(), HighRisk: HighRisk(findings), Incomplete: p.Errored,
		Findings: findings, Outputs: p.Outputs,
	}
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	if r.Outputs == nil {
		r.Outputs = []OutputChange{}
	}
	if opts.SecretNames == nil {
		opts.SecretNames = DefaultSecretNames
	}
	secrets, keys := secretCache{}, map[string]string{}
	var err error
	if r.Changes, err = changeReports(p.Changes, opts, secrets, keys); err != nil {
		return nil, err
	}
	if r.Drift, err = changeReports(p.Drift, opts, secrets, keys); err != nil {
		return nil, err
	}
	return r, nil
}

func changeReports(changes []*Change, opts DiffOptions, secrets secretCache, keys map[string]string) ([]ChangeReport, error) {
	out := make([]ChangeReport, 0, len(changes))
	for _, c := range changes {
		diffs, unchanged, err := c.diff(opts, secrets, keys)
		if err != nil {
			return nil, err
		}
		if diffs == nil {
			diffs = []AttrDiff{}
		}
		r := ChangeReport{
			Address: c.Address, Action: c.Action, Actions: c.Actions, PreviousAddress: c.PreviousAddress,
			Reason: c.ActionReason, ImportingID: c.ImportingID, ForcesReplacement: c.ForcingAttributes(),
			Attributes: diffs, Unchanged: unchanged,
		}
		if c.Action == ActionReplace {
			r.ReplaceReason = ReplaceReason(c)
		}
		out = append(out, r)
	}
	return out, nil
}
