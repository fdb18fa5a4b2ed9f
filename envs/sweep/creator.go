package sweep

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/envbench/envbench/envs/cloud"
)

// Creator is who created a resource, as CloudTrail recorded it.
type Creator struct {
	// Who is the person or principal: an SSO session's email, a user's
	// name, root, or the AWS service that acted.
	Who string
	// Via is the role they acted through (an SSO permission set's
	// AWSReservedSSO_... role), when they assumed one.
	Via string
	// ARN is the caller's identity ARN.
	ARN string
	// Console is true when the call came from the AWS console.
	Console bool
	At      time.Time
	// Event is the call that created the resource: CreateNetworkInterface.
	Event string
}

// String is "dana@acme.example via AWSReservedSSO_Admin_1a2b in the
// console at 2026-11-28 14:02" (UTC).
func (c Creator) String() string {
	s := c.Who
	if s == "" {
		s = "an unknown caller"
	}
	if c.Via != "" && c.Via != c.Who {
		s += " via " + c.Via
	}
	if c.Console {
		s += " in the console"
	}
	if !c.At.IsZero() {
		s += " at " + c.At.UTC().Format("2006-01-02 15:04")
	}
	return s
}

// trailRecord is the part of a CloudTrail record the creator is read from.
type trailRecord struct {
	EventName                    string `json:"eventName"`
	EventTime                    string `json:"eventTime"`
	ErrorCode                    string `json:"errorCode"`
	UserAgent                    string `json:"userAgent"`
	SessionCredentialFromConsole string `json:"sessionCredentialFromConsole"`
	UserIdentity                 struct {
		Type           string `json:"type"`
		ARN            string `json:"arn"`
		UserName       string `json:"userName"`
		InvokedBy      string `json:"invokedBy"`
		SessionContext *struct {
			SessionIssuer struct {
				UserName string `json:"userName"`
			} `json:"sessionIssuer"`
		} `json:"sessionContext"`
	} `json:"userIdentity"`
}

// ParseCreator reads who made a call from one CloudTrail record (the JSON
// of a trail file's Records entry, or LookupEvents' CloudTrailEvent). ok
// is false for a call that failed: it created nothing. A record that is
// not such JSON is an error saying so.
func ParseCreator(record string) (c Creator, ok bool, err error) {
	var r trailRecord
	if err := json.Unmarshal([]byte(record), &r); err != nil {
		return Creator{}, false, fmt.Errorf("read CloudTrail record: %w", err)
	}
	if r.ErrorCode != "" {
		return Creator{}, false, nil
	}
	u := r.UserIdentity
	c = Creator{ARN: u.ARN, Event: r.EventName}
	if r.EventTime != "" {
		t, err := time.Parse(time.RFC3339, r.EventTime)
		if err != nil {
			return Creator{}, false, fmt.Errorf("read CloudTrail record: eventTime %q is not an RFC 3339 time", r.EventTime)
		}
		c.At = t.UTC()
	}
	switch u.Type {
	case "AssumedRole":
		// arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION
		if i := strings.LastIndex(u.ARN, "/"); i >= 0 {
			c.Who = u.ARN[i+1:]
		}
		if u.SessionContext != nil {
			c.Via = u.SessionContext.SessionIssuer.UserName
		}
	case "IAMUser":
		c.Who = u.UserName
	case "Root":
		c.Who = "root"
	case "AWSService":
		c.Who = u.InvokedBy
	default:
		c.Who = u.UserName
		if c.Who == "" {
			c.Who = u.ARN
		}
	}
	c.Console = r.SessionCredentialFromConsole == "true" || strings.Contains(strings.ToLower(r.UserAgent), "console")
	return c, true, nil
}

// creates reports whether a call of this name creates the resources it
// names: Create*, Run*, Restore*, Copy*, but not the calls that only add
// to a resource (CreateTags, CreateGrant...).
func creates(name string) bool {
	switch name {
	case "CreateTags", "CreateGrant", "CreateAlias":
		return false
	}
	for _, p := range []string{"Create", "Run", "Restore", "Copy"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// creatorPages bounds how far back the sweep reads a resource's events.
const creatorPages = 4

// creator looks up who created the resource named id (what CloudTrail's
// ResourceName matches): the oldest successful Create or Run call that
// names it. nil when CloudTrail has none, or cannot be read.
func (sw Sweeper) creator(ctx context.Context, trail cloud.Trail, id string) *Creator {
	if trail == nil || id == "" {
		return nil
	}
	var found *Creator
	next := ""
	for range creatorPages {
		var events []cloud.TrailEvent
		var token string
		if _, err := sw.try(ctx, func() error {
			var err error
			events, token, err = trail.LookupEvents(ctx, cloud.Lookup{Attribute: &cloud.LookupAttribute{Key: "ResourceName", Value: id}, NextToken: next})
			return err
		}); err != nil {
			return found
		}
		for _, e := range events { // newest first: the last match is the oldest
			if !creates(e.Name) {
				continue
			}
			c, ok, err := ParseCreator(e.Record)
			if err != nil || !ok {
				continue
			}
			if c.Who == "" {
				c.Who = e.Username
			}
			if c.At.IsZero() {
				c.At = e.Time.UTC()
			}
			found = &c
		}
		if token == "" {
			break
		}
		next = token
	}
	return found
}
