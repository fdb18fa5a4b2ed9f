package config

import (
	"fmt"
	"regexp"

	"gopkg.in/yaml.v3"
)

// SettingsFile is the name of the workspace settings file; its directory is
// the workspace root.
const SettingsFile = "envbench.yaml"

// Cloud says where a workspace's environments live.
type Cloud string

const (
	// CloudAWS is a real AWS organisation.
	CloudAWS Cloud = "aws"
	// CloudSimulated is the in-memory simulated AWS account: nothing leaves
	// the machine.
	CloudSimulated Cloud = "simulated"
)

// Settings is envbench.yaml.
type Settings struct {
	Name        string
	Description string
	Cloud       Cloud
	// TerraformBinary is the terraform or tofu binary to run; empty means
	// terraform, then tofu, on PATH.
	TerraformBinary string
	// DefaultRegion applies to environments that do not name a region.
	DefaultRegion string
	// Risk extends the built-in risk review rules for every environment.
	Risk RiskRules
}

var regionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]+$`)

func decodeSettings(file string, data []byte) (Settings, Diagnostics) {
	d := &decoder{file: file}
	s := Settings{Cloud: CloudAWS}
	root := d.parseDocument(data)
	if root == nil {
		return s, d.diags
	}
	d.object(root, "", map[string]fieldFunc{
		"name":        func(v *yaml.Node, p string) { s.Name, _ = d.str(v, p) },
		"description": func(v *yaml.Node, p string) { s.Description, _ = d.str(v, p) },
		"cloud": func(v *yaml.Node, p string) {
			c, ok := d.str(v, p)
			switch Cloud(c) {
			case CloudAWS, CloudSimulated:
				s.Cloud = Cloud(c)
			default:
				if ok {
					d.errorf(v, p, "unknown cloud %q; want aws or simulated", c)
				}
			}
		},
		"terraform": func(v *yaml.Node, p string) {
			d.object(v, p, map[string]fieldFunc{
				"binary": func(v *yaml.Node, p string) { s.TerraformBinary, _ = d.str(v, p) },
			})
		},
		"risk": func(v *yaml.Node, p string) { d.decodeRisk(v, p, &s.Risk) },
		"defaults": func(v *yaml.Node, p string) {
			d.object(v, p, map[string]fieldFunc{
				"region": func(v *yaml.Node, p string) {
					if r, ok := d.str(v, p); ok {
						if err := checkRegion(r); err != nil {
							d.errorf(v, p, "%v", err)
						}
						s.DefaultRegion = r
					}
				},
			})
		},
	})
	return s, d.diags
}

func checkRegion(r string) error {
	if !regionPattern.MatchString(r) {
		return fmt.Errorf("%q is not an AWS region name such as eu-west-1", r)
	}
	return nil
}
