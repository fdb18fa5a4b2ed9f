package fake

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/envbench/envbench/envs/cloud"
)

// event is one call to record.
type event struct {
	account, region string
	identity        identity
	at              time.Time
	source, name    string // service (rds) and operation
	readOnly, data  bool
	params          any
	response        any
	resources       []eventResource
	errorCode       string
	errorMessage    string
	sourceIP        string
	userAgent       string
}

// The shapes of CloudTrail's records, field for field (names and order as
// in AWS's trail files).
type record struct {
	EventVersion       string           `json:"eventVersion"`
	UserIdentity       userIdentity     `json:"userIdentity"`
	EventTime          string           `json:"eventTime"`
	EventSource        string           `json:"eventSource"`
	EventName          string           `json:"eventName"`
	AWSRegion          string           `json:"awsRegion"`
	SourceIPAddress    string           `json:"sourceIPAddress"`
	UserAgent          string           `json:"userAgent"`
	ErrorCode          string           `json:"errorCode,omitempty"`
	ErrorMessage       string           `json:"errorMessage,omitempty"`
	RequestParameters  any              `json:"requestParameters"`
	ResponseElements   any              `json:"responseElements"`
	RequestID          string           `json:"requestID"`
	EventID            string           `json:"eventID"`
	ReadOnly           bool             `json:"readOnly"`
	Resources          []recordResource `json:"resources,omitempty"`
	EventType          string           `json:"eventType"`
	ManagementEvent    bool             `json:"managementEvent"`
	RecipientAccountID string           `json:"recipientAccountId"`
	EventCategory      string           `json:"eventCategory"`
	TLSDetails         *tlsDetails      `json:"tlsDetails,omitempty"`
}

type userIdentity struct {
	Type           string          `json:"type"`
	PrincipalID    string          `json:"principalId"`
	ARN            string          `json:"arn"`
	AccountID      string          `json:"accountId"`
	AccessKeyID    string          `json:"accessKeyId,omitempty"`
	UserName       string          `json:"userName,omitempty"`
	SessionContext *sessionContext `json:"sessionContext,omitempty"`
}

type sessionContext struct {
	SessionIssuer       sessionIssuer     `json:"sessionIssuer"`
	WebIDFederationData struct{}          `json:"webIdFederationData"`
	Attributes          sessionAttributes `json:"attributes"`
}

type sessionIssuer struct {
	Type        string `json:"type"`
	PrincipalID string `json:"principalId"`
	ARN         string `json:"arn"`
	AccountID   string `json:"accountId"`
	UserName    string `json:"userName"`
}

type sessionAttributes struct {
	CreationDate     string `json:"creationDate"`
	MFAAuthenticated string `json:"mfaAuthenticated"`
}

type recordResource struct {
	AccountID string `json:"accountId"`
	Type      string `json:"type"`
	ARN       string `json:"ARN"`
}

type tlsDetails struct {
	TLSVersion               string `json:"tlsVersion"`
	CipherSuite              string `json:"cipherSuite"`
	ClientProvidedHostHeader string `json:"clientProvidedHostHeader"`
}

// Hidden is what CloudTrail records in place of a secret.
const Hidden = "HIDDEN_DUE_TO_SECURITY_REASONS"

// secretFields are request parameters CloudTrail never records.
var secretFields = map[string]bool{
	"masterUserPassword": true, "secretString": true, "secretBinary": true, "password": true,
	"newPassword": true, "sessionToken": true, "secretAccessKey": true, "plaintext": true,
}

// hideSecrets replaces secret fields, at any depth, by Hidden.
func hideSecrets(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			if secretFields[k] {
				out[k] = Hidden
			} else {
				out[k] = hideSecrets(x)
			}
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = hideSecrets(x)
		}
		return out
	}
	return v
}

func fmtTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }

func (i identity) record() userIdentity {
	u := userIdentity{Type: i.Type, PrincipalID: i.PrincipalID, ARN: i.ARN, AccountID: i.Account, AccessKeyID: i.AccessKeyID}
	switch i.Type {
	case "IAMUser":
		u.UserName = i.UserName
	case "AssumedRole":
		u.SessionContext = &sessionContext{
			SessionIssuer: sessionIssuer{Type: "Role", PrincipalID: i.RoleID, ARN: i.RoleARN, AccountID: i.Account, UserName: i.RoleName},
			Attributes:    sessionAttributes{CreationDate: fmtTime(i.SessionCreated), MFAAuthenticated: "false"},
		}
	}
	return u
}

// record writes an event to the trail, in tx.
func (s *Sim) record(tx *sql.Tx, ev event) error {
	eventID, requestID, err := uuidPair(tx)
	if err != nil {
		return err
	}
	if ev.sourceIP == "" {
		ev.sourceIP = "198.51.100.24"
	}
	if ev.userAgent == "" {
		ev.userAgent = "envbench aws-sdk-go-v2/1.36.3 os/linux lang/go"
	}
	params := hideSecrets(ev.params)
	if m, ok := params.(map[string]any); ok && len(m) == 0 {
		params = nil
	}
	rec := record{
		EventVersion: "1.08", UserIdentity: ev.identity.record(), EventTime: fmtTime(ev.at),
		EventSource: ev.source + ".amazonaws.com", EventName: ev.name, AWSRegion: ev.region,
		SourceIPAddress: ev.sourceIP, UserAgent: ev.userAgent,
		ErrorCode: ev.errorCode, ErrorMessage: ev.errorMessage,
		RequestParameters: params, ResponseElements: hideSecrets(ev.response),
		RequestID: requestID, EventID: eventID, ReadOnly: ev.readOnly,
		EventType: "AwsApiCall", ManagementEvent: !ev.data, RecipientAccountID: ev.account,
		EventCategory: "Management",
		TLSDetails: &tlsDetails{TLSVersion: "TLSv1.3", CipherSuite: "TLS_AES_128_GCM_SHA256",
			ClientProvidedHostHeader: ev.source + "." + ev.region + ".amazonaws.com"},
	}
	if ev.source == "tagging" {
		rec.EventSource = "tagging.amazonaws.com"
	}
	if ev.data {
		rec.EventCategory = "Data"
	}
	for _, r := range ev.resources {
		rec.Resources = append(rec.Resources, recordResource{AccountID: ev.account, Type: r.Type, ARN: r.ARN})
	}
	body, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("record %s: %w", ev.name, err)
	}
	names, _ := json.Marshal(ev.resources)
	ro, mgmt := 0, 1
	if ev.readOnly {
		ro = 1
	}
	if ev.data {
		mgmt = 0
	}
	var seq int64
	err = tx.QueryRow(`INSERT INTO events (id, account, region, at, name, source, username, read_only, management, resources, record)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq`,
		eventID, ev.account, ev.region, ev.at.Truncate(time.Second).UnixNano(), ev.name, rec.EventSource, ev.identity.username(), ro, mgmt, string(names), string(body)).Scan(&seq)
	if err != nil {
		return fmt.Errorf("record %s: %w", ev.name, err)
	}
	seen := map[eventResource]bool{}
	for _, r := range ev.resources {
		if seen[r] {
			continue
		}
		seen[r] = true
		if _, err := tx.Exec(`INSERT INTO event_resources (seq, account, region, type, name, at) VALUES (?, ?, ?, ?, ?, ?)`,
			seq, ev.account, ev.region, r.Type, r.Name, ev.at.Truncate(time.Second).UnixNano()); err != nil {
			return fmt.Errorf("record %s: %w", ev.name, err)
		}
	}
	return nil
}

// Event is a past call to record with RecordEvent: the seed's history,
// or a change made by a person outside envbench.
type Event struct {
	// Account and Region the call was made in; Region empty means the
	// simulation's default region.
	Account, Region string
	// Identity is the caller's ARN: an assumed role's session
	// (arn:aws:sts::111111111111:assumed-role/AWSReservedSSO_Admin_1a2b/ann@acme.example),
	// a user, or a root.
	Identity string
	Time     time.Time
	// Service is the service's short name (rds, ec2, ...) and Name the
	// operation (ModifyDBInstance).
	Service, Name string
	ReadOnly      bool
	// RequestParameters and ResponseElements are recorded as given, with
	// secret fields hidden.
	RequestParameters map[string]any
	ResponseElements  map[string]any
	Resources         []EventResource
	ErrorCode         string
	ErrorMessage      string
	SourceIPAddress   string
	UserAgent         string
}

// EventResource is a resource an Event names.
type EventResource struct {
	Type string // AWS::RDS::DBInstance
	Name string // orders-production
	ARN  string
}

// RecordEvent adds a CloudTrail event with the given identity and time.
func (s *Sim) RecordEvent(ctx context.Context, e Event) error {
	if !accountPattern.MatchString(e.Account) {
		return fmt.Errorf("record event %s: account %q is not a 12-digit id", e.Name, e.Account)
	}
	if e.Service == "" || e.Name == "" {
		return fmt.Errorf("record event: service and name are required")
	}
	if e.Time.IsZero() {
		return fmt.Errorf("record event %s: no time", e.Name)
	}
	id, err := parseIdentity(e.Identity, e.Time.Add(-10*time.Minute))
	if err != nil {
		return fmt.Errorf("record event %s: %w", e.Name, err)
	}
	ev := event{
		account: e.Account, region: e.Region, identity: id, at: e.Time, source: e.Service, name: e.Name,
		readOnly: e.ReadOnly, errorCode: e.ErrorCode, errorMessage: e.ErrorMessage,
		sourceIP: e.SourceIPAddress, userAgent: e.UserAgent,
	}
	if ev.region == "" {
		ev.region = s.region
	}
	if e.RequestParameters != nil {
		ev.params = e.RequestParameters
	}
	if e.ResponseElements != nil {
		ev.response = e.ResponseElements
	}
	for _, r := range e.Resources {
		ev.resources = append(ev.resources, eventResource(r))
	}
	return s.write(ctx, func(tx *sql.Tx) error { return s.record(tx, ev) })
}

// EventFilter selects recorded events; zero fields select all.
type EventFilter struct {
	Account, Region string
	Name, Username  string
	Resource        string // a resource name the event names
	Since, Until    time.Time
	Limit           int // 0: no limit
}

// RecordedEvent is an event of the trail with where it was recorded.
type RecordedEvent struct {
	Account, Region string
	cloud.TrailEvent
}

// Events lists recorded events, management and data events alike,
// newest first.
func (s *Sim) Events(ctx context.Context, f EventFilter) ([]RecordedEvent, error) {
	q := `SELECT e.seq, e.account, e.region, e.id, e.name, e.source, e.at, e.username, e.read_only, e.resources, e.record FROM events e WHERE 1=1`
	var args []any
	add := func(cond string, v any) { q += " AND " + cond; args = append(args, v) }
	if f.Account != "" {
		add("e.account = ?", f.Account)
	}
	if f.Region != "" {
		add("e.region = ?", f.Region)
	}
	if f.Name != "" {
		add("e.name = ?", f.Name)
	}
	if f.Username != "" {
		add("e.username = ?", f.Username)
	}
	if f.Resource != "" {
		add("e.seq IN (SELECT seq FROM event_resources WHERE name = ?)", f.Resource)
	}
	if !f.Since.IsZero() {
		add("e.at >= ?", f.Since.UnixNano())
	}
	if !f.Until.IsZero() {
		add("e.at <= ?", f.Until.UnixNano())
	}
	q += ` ORDER BY e.at DESC, e.seq DESC`
	if f.Limit > 0 {
		q += ` LIMIT ` + strconv.Itoa(f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	defer rows.Close()
	var out []RecordedEvent
	for rows.Next() {
		var e RecordedEvent
		if _, err := scanEvent(rows, &e.Account, &e.Region, &e.TrailEvent); err != nil {
			return nil, fmt.Errorf("list events: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func scanEvent(sc interface{ Scan(...any) error }, account, region *string, e *cloud.TrailEvent) (int64, error) {
	var seq, at int64
	var ro int
	var resources string
	if err := sc.Scan(&seq, account, region, &e.ID, &e.Name, &e.Source, &at, &e.Username, &ro, &resources, &e.Record); err != nil {
		return 0, err
	}
	e.Time = time.Unix(0, at).UTC()
	e.ReadOnly = ro == 1
	var rs []eventResource
	if err := json.Unmarshal([]byte(resources), &rs); err != nil {
		return 0, fmt.Errorf("read the resources of event %s: %w", e.ID, err)
	}
	for _, r := range rs {
		e.Resources = append(e.Resources, cloud.TrailResource{Type: r.Type, Name: r.Name})
	}
	return seq, nil
}

// LookupEvents implements cloud.Trail: management events of this account
// and region, newest first, at most 50 a page, and at most 2 requests a
// second per account and region (counted with the simulation's clock,
// across processes); a faster caller is throttled, retryably.
func (a *Account) LookupEvents(ctx context.Context, l cloud.Lookup) ([]cloud.TrailEvent, string, error) {
	if l.MaxResults < 0 || l.MaxResults > 50 {
		return nil, "", invalid("InvalidMaxResultsException", "MaxResults %d is not between 1 and 50", l.MaxResults)
	}
	limit := l.MaxResults
	if limit == 0 {
		limit = 50
	}
	params := map[string]any{"maxResults": limit}
	if !l.Start.IsZero() {
		params["startTime"] = fmtTime(l.Start)
	}
	if !l.End.IsZero() {
		params["endTime"] = fmtTime(l.End)
	}
	if l.Attribute != nil {
		params["lookupAttributes"] = []any{map[string]any{"attributeKey": l.Attribute.Key, "attributeValue": l.Attribute.Value}}
	}
	var events []cloud.TrailEvent
	var next string
	o := op{service: "cloudtrail", name: "LookupEvents", readOnly: true, params: params}
	err := a.do(ctx, o, func(tx *sql.Tx) (result, error) {
		now := a.sim.now()
		var recent int
		if _, err := tx.Exec(`DELETE FROM lookups WHERE account = ? AND region = ? AND at <= ?`, a.id, a.region, now.Add(-time.Second).UnixNano()); err != nil {
			return result{}, err
		}
		if err := tx.QueryRow(`SELECT count(*) FROM lookups WHERE account = ? AND region = ?`, a.id, a.region).Scan(&recent); err != nil {
			return result{}, err
		}
		if recent >= 2 {
			return result{}, cloud.Retryable("throttled", &cloud.APIError{Service: "cloudtrail", Operation: "LookupEvents", Code: "ThrottlingException", Message: "Rate exceeded"})
		}
		if _, err := tx.Exec(`INSERT INTO lookups (account, region, at) VALUES (?, ?, ?)`, a.id, a.region, now.UnixNano()); err != nil {
			return result{}, err
		}
		var err error
		events, next, err = lookupPage(tx, a.id, a.region, l, limit)
		return result{}, err
	})
	if err != nil {
		// A throttled lookup is still counted: release is by time only.
		return nil, "", err
	}
	return events, next, nil
}

// pageToken is where the next page starts: strictly older than (at, seq),
// for the lookup whose parameters hash to filter.
type pageToken struct {
	at, seq int64
	filter  string
}

func lookupFilterHash(l cloud.Lookup) string {
	var attr string
	if l.Attribute != nil {
		attr = l.Attribute.Key + "=" + l.Attribute.Value
	}
	sum := sha256.Sum256([]byte(fmt.Sprint(l.Start.UnixNano(), l.End.UnixNano(), attr)))
	return hex.EncodeToString(sum[:6])
}

func (p pageToken) String() string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("v1/%d/%d/%s", p.at, p.seq, p.filter)))
}

func parsePageToken(s string) (pageToken, error) {
	bad := invalid("InvalidNextTokenException", "the next token %q is not one this lookup returned", s)
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return pageToken{}, bad
	}
	parts := strings.Split(string(raw), "/")
	if len(parts) != 4 || parts[0] != "v1" {
		return pageToken{}, bad
	}
	at, err1 := strconv.ParseInt(parts[1], 10, 64)
	seq, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil {
		return pageToken{}, bad
	}
	return pageToken{at: at, seq: seq, filter: parts[3]}, nil
}

// lookupAttributes maps LookupEvents' attribute keys to a condition.
func lookupCondition(attr *cloud.LookupAttribute) (string, []any, error) {
	if attr == nil {
		return "", nil, nil
	}
	switch attr.Key {
	case "EventName":
		return " AND e.name = ?", []any{attr.Value}, nil
	case "Username":
		return " AND e.username = ?", []any{attr.Value}, nil
	case "EventSource":
		return " AND e.source = ?", []any{attr.Value}, nil
	case "EventId":
		return " AND e.id = ?", []any{attr.Value}, nil
	case "ReadOnly":
		switch attr.Value {
		case "true":
			return " AND e.read_only = 1", nil, nil
		case "false":
			return " AND e.read_only = 0", nil, nil
		}
		return "", nil, invalid("InvalidLookupAttributesException", "ReadOnly must be true or false, not %q", attr.Value)
	case "AccessKeyId":
		return " AND json_extract(e.record, '$.userIdentity.accessKeyId') = ?", []any{attr.Value}, nil
	}
	return "", nil, invalid("InvalidLookupAttributesException", "lookup attribute %q is not one of EventName, Username, ResourceName, ResourceType, EventSource, ReadOnly, AccessKeyId, EventId", attr.Key)
}

func lookupPage(tx *sql.Tx, account, region string, l cloud.Lookup, limit int) ([]cloud.TrailEvent, string, error) {
	// Resource lookups are driven by the index of event_resources, the
	// others by an index of events; both walk (at, seq) newest first.
	from := `events e`
	where := ` WHERE e.account = ? AND e.region = ? AND e.management = 1`
	order := `e.at DESC, e.seq DESC`
	key := `(e.at, e.seq)`
	args := []any{account, region}
	if a := l.Attribute; a != nil && (a.Key == "ResourceName" || a.Key == "ResourceType") {
		col := "name"
		if a.Key == "ResourceType" {
			col = "type"
		}
		from = `event_resources r JOIN events e ON e.seq = r.seq`
		where = ` WHERE r.account = ? AND r.region = ? AND r.` + col + ` = ? AND e.management = 1`
		order = `r.at DESC, r.seq DESC`
		key = `(r.at, r.seq)`
		args = append(args, a.Value)
	} else {
		cond, cargs, err := lookupCondition(l.Attribute)
		if err != nil {
			return nil, "", err
		}
		where += cond
		args = append(args, cargs...)
	}
	q := `SELECT e.seq, e.account, e.region, e.id, e.name, e.source, e.at, e.username, e.read_only, e.resources, e.record FROM ` + from + where
	atCol := strings.TrimPrefix(strings.Split(key, ",")[0], "(")
	if !l.Start.IsZero() {
		q += ` AND ` + atCol + ` >= ?`
		args = append(args, l.Start.UnixNano())
	}
	if !l.End.IsZero() {
		q += ` AND ` + atCol + ` <= ?`
		args = append(args, l.End.UnixNano())
	}
	filter := lookupFilterHash(l)
	if l.NextToken != "" {
		p, err := parsePageToken(l.NextToken)
		if err != nil {
			return nil, "", err
		}
		if p.filter != filter {
			return nil, "", invalid("InvalidNextTokenException", "the next token belongs to a lookup with other parameters")
		}
		q += ` AND ` + key + ` < (?, ?)`
		args = append(args, p.at, p.seq)
	}
	q += ` ORDER BY ` + order + ` LIMIT ?`
	args = append(args, limit+1)
	rows, err := tx.Query(q, args...)
	if err != nil {
		return nil, "", fmt.Errorf("look up events: %w", err)
	}
	defer rows.Close()
	var out []cloud.TrailEvent
	var last pageToken
	var more bool
	for rows.Next() {
		if len(out) == limit {
			more = true
			break
		}
		var e cloud.TrailEvent
		var acct, reg string
		seq, err := scanEvent(rows, &acct, &reg, &e)
		if err != nil {
			return nil, "", fmt.Errorf("look up events: %w", err)
		}
		out = append(out, e)
		last = pageToken{at: e.Time.UnixNano(), seq: seq, filter: filter}
	}
	if err := rows.Err(); err != nil {
		return nil, "", fmt.Errorf("look up events: %w", err)
	}
	if more {
		return out, last.String(), nil
	}
	return out, "", nil
}

// WriteTrailFiles writes every recorded event as CloudTrail delivers
// them: one gzip file of {"Records": [...]} per account, region and 5
// minutes of events, at
// AWSLogs/ACCOUNT/CloudTrail/REGION/YYYY/MM/DD/ACCOUNT_CloudTrail_REGION_YYYYMMDDTHHMMZ_RANDOM.json.gz
// under dir. The names are derived from the content's place, so writing
// again replaces the same files. It returns the files written.
func (s *Sim) WriteTrailFiles(ctx context.Context, dir string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT account, region, at, record FROM events ORDER BY account, region, at, seq`)
	if err != nil {
		return nil, fmt.Errorf("write trail files: %w", err)
	}
	type batch struct {
		account, region string
		start           time.Time
		records         []json.RawMessage
	}
	var batches []*batch
	var cur *batch
	for rows.Next() {
		var account, region, rec string
		var at int64
		if err := rows.Scan(&account, &region, &at, &rec); err != nil {
			rows.Close()
			return nil, fmt.Errorf("write trail files: %w", err)
		}
		start := time.Unix(0, at).UTC().Truncate(5 * time.Minute)
		if cur == nil || cur.account != account || cur.region != region || !cur.start.Equal(start) {
			cur = &batch{account: account, region: region, start: start}
			batches = append(batches, cur)
		}
		cur.records = append(cur.records, json.RawMessage(rec))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("write trail files: %w", err)
	}
	var files []string
	for _, b := range batches {
		sum := sha256.Sum256([]byte(b.account + b.region + b.start.String()))
		random := strings.ToUpper(hex.EncodeToString(sum[:8]))
		stamp := b.start.Format("20060102T1504Z")
		rel := filepath.Join("AWSLogs", b.account, "CloudTrail", b.region, b.start.Format("2006"), b.start.Format("01"), b.start.Format("02"),
			fmt.Sprintf("%s_CloudTrail_%s_%s_%s.json.gz", b.account, b.region, stamp, random))
		path := filepath.Join(dir, rel)
		if err := writeGzipJSON(path, map[string]any{"Records": b.records}); err != nil {
			return files, fmt.Errorf("write trail file %s: %w", path, err)
		}
		files = append(files, path)
	}
	return files, nil
}

func writeGzipJSON(path string, v any) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if err := json.NewEncoder(zw).Encode(v); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".trail-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(buf.Bytes()); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return errors.Join(err)
	}
	return nil
}
