package tf

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// A backend block cannot read variables, and Terraform reads it at init
// only. An S3 backend that assumes a role would name its session the same
// for every run; envbench gives it the run's name at init instead, as a
// -backend-config, so that what the backend does in CloudTrail (its
// AssumeRole, its state reads and writes) leads back to the run like the
// provider's calls. A saved plan keeps the backend settings it was made
// with, so the apply of a plan acts under the plan run's session, as its
// provider does.

// backendSession is what init gives an S3 backend that assumes a role.
type backendSession struct {
	// flag is the -backend-config value: assume_role={...} with the
	// block's own settings and session_name replaced, or session_name=...
	// for the older top-level role_arn.
	flag string
	// location is where the block keeps the state: its bucket, key and
	// workspace_key_prefix. Init may reconfigure without migrating when
	// the state stays where the last init left it.
	location map[string]string
}

// s3Location are the settings of an S3 backend that say where the state
// lives.
var s3Location = []string{"bucket", "key", "workspace_key_prefix"}

// findBackendSession reads the root module's .tf files in dir for an S3
// backend that assumes a role, and says how to name its session name. It
// returns nil when there is none: another backend, no role, a file Terraform
// would refuse anyway (Terraform reports that itself), or an empty name.
func findBackendSession(dir, name string) (*backendSession, error) {
	if name == "" {
		return nil, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".tf") {
			continue
		}
		src, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		if !bytes.Contains(src, []byte("backend")) {
			continue
		}
		if s := backendSessionOf(src, e.Name(), name); s != nil {
			return s, nil
		}
	}
	return nil, nil
}

// backendSessionOf is findBackendSession for one file's text.
func backendSessionOf(src []byte, filename, name string) *backendSession {
	file, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if diags.HasErrors() {
		return nil
	}
	body, ok := file.Body.(*hclsyntax.Body)
	if !ok {
		return nil
	}
	for _, tb := range body.Blocks {
		if tb.Type != "terraform" {
			continue
		}
		for _, b := range tb.Body.Blocks {
			if b.Type != "backend" || len(b.Labels) != 1 || b.Labels[0] != "s3" {
				continue
			}
			return s3Session(b.Body, name)
		}
	}
	return nil
}

func s3Session(body *hclsyntax.Body, name string) *backendSession {
	s := &backendSession{location: map[string]string{}}
	for _, k := range s3Location {
		if v, ok := staticAttr(body, k); ok && v.Type() == cty.String && v.IsKnown() && !v.IsNull() {
			s.location[k] = v.AsString()
		}
	}
	if v, ok := staticAttr(body, "assume_role"); ok {
		if v.IsNull() || !v.IsKnown() || !v.Type().IsObjectType() && !v.Type().IsMapType() {
			return nil
		}
		attrs := v.AsValueMap()
		if attrs == nil {
			attrs = map[string]cty.Value{}
		}
		attrs["session_name"] = cty.StringVal(name)
		s.flag = "assume_role=" + string(hclwrite.TokensForValue(cty.ObjectVal(attrs)).Bytes())
		return s
	}
	if _, ok := staticAttr(body, "role_arn"); ok {
		// Terraform 1.5's S3 backend, or its deprecated form since.
		s.flag = "session_name=" + name
		return s
	}
	return nil
}

// staticAttr is the value of a block's attribute that needs no context, as
// a backend's must be.
func staticAttr(body *hclsyntax.Body, name string) (cty.Value, bool) {
	a, ok := body.Attributes[name]
	if !ok {
		return cty.NilVal, false
	}
	v, diags := a.Expr.Value(nil)
	if diags.HasErrors() {
		return cty.NilVal, false
	}
	return v, true
}

// keepsState reports whether the S3 backend the last init configured in
// dir keeps its state where s says: then init may take the new session
// with -reconfigure, which migrates nothing and so can lose nothing.
func (s *backendSession) keepsState(dir string) bool {
	last, ok := lastS3Location(dir)
	return ok && len(s.moves(last)) == 0
}

// moved says how the state moved since the last init of dir, when the
// last init configured an S3 backend too: "bucket \"a\" → \"b\"", or "".
func (s *backendSession) moved(dir string) string {
	last, ok := lastS3Location(dir)
	if !ok {
		return ""
	}
	return strings.Join(s.moves(last), ", ")
}

func (s *backendSession) moves(last map[string]*string) []string {
	var out []string
	quote := func(v *string) string {
		if v == nil {
			return "unset"
		}
		return strconv.Quote(*v)
	}
	for _, k := range s3Location {
		was := last[k]
		var now *string
		if v, set := s.location[k]; set {
			now = &v
		}
		if (was == nil) != (now == nil) || was != nil && *was != *now {
			out = append(out, k+" "+quote(was)+" → "+quote(now))
		}
	}
	return out
}

// lastS3Location is where the S3 backend the last init of dir configured
// keeps its state (.terraform/terraform.tfstate); false for no init, for
// another backend or for a file it cannot read.
func lastS3Location(dir string) (map[string]*string, bool) {
	data, err := os.ReadFile(filepath.Join(dir, ".terraform", "terraform.tfstate"))
	if err != nil {
		return nil, false
	}
	var st struct {
		Backend *struct {
			Type   string                     `json:"type"`
			Config map[string]json.RawMessage `json:"config"`
		} `json:"backend"`
	}
	if json.Unmarshal(data, &st) != nil || st.Backend == nil || st.Backend.Type != "s3" {
		return nil, false
	}
	loc := map[string]*string{}
	for _, k := range s3Location {
		var v *string
		if raw, ok := st.Backend.Config[k]; ok {
			if err := json.Unmarshal(raw, &v); err != nil {
				return nil, false
			}
		}
		loc[k] = v
	}
	return loc, true
}
