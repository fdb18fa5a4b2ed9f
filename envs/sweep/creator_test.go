package sweep

import (
	"testing"
	"time"
)

func TestParseCreator(t *testing.T) {
	at := time.Date(2026, 11, 28, 14, 2, 7, 0, time.UTC)
	cases := []struct {
		name, record string
		want         Creator
		ok           bool
	}{
		{"an SSO session in the console", `{"eventName":"CreateNetworkInterface","eventTime":"2026-11-28T14:02:07Z","userAgent":"Mozilla/5.0 AWS-Console","sessionCredentialFromConsole":"true",
			"userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::333333333333:assumed-role/AWSReservedSSO_Admin_1a2b/dana@acme.example","sessionContext":{"sessionIssuer":{"userName":"AWSReservedSSO_Admin_1a2b"}}}}`,
			Creator{Who: "dana@acme.example", Via: "AWSReservedSSO_Admin_1a2b", ARN: "arn:aws:sts::333333333333:assumed-role/AWSReservedSSO_Admin_1a2b/dana@acme.example", Console: true, At: at, Event: "CreateNetworkInterface"}, true},
		{"a run of envbench", `{"eventName":"CreateVpc","eventTime":"2026-11-28T14:02:07Z","userAgent":"envbench aws-sdk-go-v2","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::333333333333:assumed-role/envbench-sandbox/envbench-20261128T140000Z-3f9a1c","sessionContext":{"sessionIssuer":{"userName":"envbench-sandbox"}}}}`,
			Creator{Who: "envbench-20261128T140000Z-3f9a1c", Via: "envbench-sandbox", ARN: "arn:aws:sts::333333333333:assumed-role/envbench-sandbox/envbench-20261128T140000Z-3f9a1c", At: at, Event: "CreateVpc"}, true},
		{"a user", `{"eventName":"CreateSecurityGroup","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::333333333333:user/ann","userName":"ann"}}`,
			Creator{Who: "ann", ARN: "arn:aws:iam::333333333333:user/ann", Event: "CreateSecurityGroup"}, true},
		{"root", `{"userIdentity":{"type":"Root","arn":"arn:aws:iam::333333333333:root"}}`, Creator{Who: "root", ARN: "arn:aws:iam::333333333333:root"}, true},
		{"a service", `{"userIdentity":{"type":"AWSService","invokedBy":"ecs.amazonaws.com"}}`, Creator{Who: "ecs.amazonaws.com"}, true},
		{"a failed call", `{"errorCode":"UnauthorizedOperation","userIdentity":{"type":"IAMUser","userName":"ann"}}`, Creator{}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok, err := ParseCreator(c.record)
			if err != nil || ok != c.ok || got != c.want {
				t.Errorf("%+v, %v, %v; want %+v, %v", got, ok, err, c.want, c.ok)
			}
		})
	}
	for _, bad := range []string{"", "{", `{"eventTime":"yesterday"}`, `{"userIdentity":"x"}`} {
		if _, _, err := ParseCreator(bad); err == nil {
			t.Errorf("%q is read", bad)
		}
	}
	if got := (Creator{Who: "dana@acme.example", Via: "AWSReservedSSO_Admin_1a2b", Console: true, At: at}).String(); got != "dana@acme.example via AWSReservedSSO_Admin_1a2b in the console at 2026-11-28 14:02" {
		t.Errorf("String: %q", got)
	}
	if got := (Creator{}).String(); got != "an unknown caller" {
		t.Errorf("String of nobody: %q", got)
	}
}

func FuzzParseCreator(f *testing.F) {
	f.Add(`{"eventName":"CreateVpc","eventTime":"2026-11-28T14:02:07Z","userIdentity":{"type":"AssumedRole","arn":"arn:aws:sts::1:assumed-role/r/s","sessionContext":{"sessionIssuer":{"userName":"r"}}}}`)
	f.Add(`{"errorCode":"x"}`)
	f.Add(`{"userIdentity":{"type":"AssumedRole","arn":"no-slash"}}`)
	f.Add(`[]`)
	f.Fuzz(func(t *testing.T, record string) {
		c, ok, err := ParseCreator(record)
		if err != nil && (ok || c != (Creator{})) {
			t.Fatalf("an error with a creator: %+v", c)
		}
		_ = c.String()
	})
}
