package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"

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
	// State is where run journals and locks live: the zero value keeps them
	// in local files under .envbench/; `state: s3://bucket/prefix` (team
	// mode) keeps them in that bucket.
	State StateLocation

	binaryPos Position // where terraform.binary is set
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
				"binary": func(v *yaml.Node, p string) {
					s.binaryPos = Position{v.Line, v.Column}
					s.TerraformBinary, _ = d.str(v, p)
				},
			})
		},
		"risk": func(v *yaml.Node, p string) { d.decodeRisk(v, p, &s.Risk) },
		"state": func(v *yaml.Node, p string) {
			if raw, ok := d.str(v, p); ok {
				loc, err := ParseStateLocation(raw)
				if err != nil {
					d.errorf(v, p, "%v", err)
				}
				s.State = loc
			}
		},
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

// checkTerraformBinary checks that terraform.binary names an executable
// file: a path is relative to the workspace root, a bare name is looked up
// on PATH, as running Terraform will.
func checkTerraformBinary(root string, s Settings) Diagnostics {
	bin := s.TerraformBinary
	if bin == "" {
		return nil
	}
	problem := func(format string, args ...any) Diagnostics {
		return Diagnostics{{File: SettingsFile, Line: s.binaryPos.Line, Col: s.binaryPos.Col, Field: "terraform.binary", Message: fmt.Sprintf(format, args...)}}
	}
	if strings.TrimSpace(bin) == "" || strings.ContainsRune(bin, 0) {
		return problem("%q is not a file name; name the terraform or tofu binary", bin)
	}
	if !strings.ContainsAny(bin, `/\`) {
		if _, err := exec.LookPath(bin); err != nil {
			return problem("%q is not found on PATH; install it, or give its path (relative to the workspace)", bin)
		}
		return nil
	}
	p := filepath.FromSlash(bin)
	if !filepath.IsAbs(p) {
		p = filepath.Join(root, p)
	}
	info, err := os.Stat(p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return problem("%s does not exist; give the path of the terraform or tofu binary (relative to the workspace), or a name on PATH", bin)
	case err != nil:
		return problem("cannot check %s: %v", bin, cleanPathError(err))
	case !info.Mode().IsRegular():
		return problem("%s is not a regular file; give the path of the terraform or tofu binary", bin)
	case runtime.GOOS != "windows" && info.Mode().Perm()&0o111 == 0:
		return problem("%s is not executable; chmod +x it, or name another binary", bin)
	}
	return nil
}

func checkRegion(r string) error {
	if !regionPattern.MatchString(r) {
		return fmt.Errorf("%q is not an AWS region name such as eu-west-1", r)
	}
	return nil
}
