package fake

import (
	"errors"
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCheckOperation(t *testing.T) {
	tests := []struct {
		service, operation string
		closest            []string // nil: valid
		unknownService     bool
	}{
		{"rds", "CreateDBSnapshot", nil, false},
		{"rds", "*", nil, false},
		{"*", "*", nil, false},
		{"*", "AuthorizeSecurityGroupIngress", nil, false},
		{"ec2", "AuthorizeSecurityGroupIngress", nil, false},
		{"rds", "CreateDBSnapshots", []string{"CreateDBSnapshot"}, false},
		{"rds", "createdbsnapshot", []string{"CreateDBSnapshot"}, false},
		{"rds", "CreateVpc", []string{}, false},
		{"ec2", "DescribeVpc", []string{"DescribeVpcs"}, false},
		{"*", "DescribeVpc", []string{"DescribeVpcs"}, false},
		{"rds", "drop table", []string{}, false},
		{"dynamodb", "PutItem", nil, true},
	}
	for _, tc := range tests {
		t.Run(tc.service+"/"+tc.operation, func(t *testing.T) {
			err := CheckOperation(tc.service, tc.operation)
			var se *UnknownServiceError
			var oe *UnknownOperationError
			switch {
			case tc.unknownService:
				if !errors.As(err, &se) {
					t.Fatalf("CheckOperation = %v, want an UnknownServiceError", err)
				}
			case tc.closest == nil:
				if err != nil {
					t.Fatalf("CheckOperation = %v, want nil", err)
				}
			default:
				if !errors.As(err, &oe) {
					t.Fatalf("CheckOperation = %v, want an UnknownOperationError", err)
				}
				if len(tc.closest) > 0 && (len(oe.Closest) == 0 || oe.Closest[0] != tc.closest[0]) {
					t.Errorf("closest = %v, want %v first", oe.Closest, tc.closest[0])
				}
				if len(tc.closest) > 0 && !strings.Contains(err.Error(), tc.closest[0]) {
					t.Errorf("error %q does not name %s", err, tc.closest[0])
				}
				if !strings.Contains(err.Error(), strconv.Quote(tc.operation)) {
					t.Errorf("error %q does not name the operation", err)
				}
			}
		})
	}
}

// TestOperationsCoverCalls holds the table to the calls the package makes:
// every op{service: "...", name: "..."} in its source is in operations.
func TestOperationsCoverCalls(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := gotoken.NewFileSet()
	found := 0
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(file, func(n ast.Node) bool {
			lit, ok := n.(*ast.CompositeLit)
			if !ok {
				return true
			}
			if id, ok := lit.Type.(*ast.Ident); !ok || id.Name != "op" {
				return true
			}
			var service, name string
			for _, e := range lit.Elts {
				kv, ok := e.(*ast.KeyValueExpr)
				if !ok {
					continue
				}
				b, ok := kv.Value.(*ast.BasicLit)
				if !ok || b.Kind != gotoken.STRING {
					continue
				}
				v, _ := strconv.Unquote(b.Value)
				switch kv.Key.(*ast.Ident).Name {
				case "service":
					service = v
				case "name":
					name = v
				}
			}
			if service == "" || name == "" {
				return true
			}
			found++
			if !slices.Contains(operations[service], name) {
				t.Errorf("%s: %s %s is called but not in operations", fset.Position(lit.Pos()), service, name)
			}
			return true
		})
	}
	if found < 50 {
		t.Errorf("found %d calls, want the package's many", found)
	}
}

func FuzzCheckOperation(f *testing.F) {
	for _, s := range [][2]string{{"rds", "CreateDBSnapshot"}, {"*", "*"}, {"ec2", "DescribeVpc"}, {"rds", "drop table"}, {"", ""}, {"s3", "\xff"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, service, operation string) {
		err := CheckOperation(service, operation)
		if err == nil {
			if service != "*" && operations[service] == nil {
				t.Fatalf("service %q accepted", service)
			}
			if operation != "*" && !slices.Contains(Operations(service), operation) {
				t.Fatalf("operation %q of %q accepted", operation, service)
			}
			return
		}
		var oe *UnknownOperationError
		if errors.As(err, &oe) {
			for _, c := range oe.Closest {
				if !slices.Contains(Operations(service), c) {
					t.Fatalf("closest %q is not an operation of %q", c, service)
				}
			}
		}
		if utf8.ValidString(service+operation) && err.Error() == "" {
			t.Fatal("empty error")
		}
	})
}
