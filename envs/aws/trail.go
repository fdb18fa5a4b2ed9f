package aws

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	ct "github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"

	"github.com/envbench/envbench/envs/cloud"
)

// trail is cloud.Trail on CloudTrail's LookupEvents.
type trail struct{ c *ct.Client }

var _ cloud.Trail = (*trail)(nil)

// lookupKey returns the LookupEvents attribute named name.
func lookupKey(name string) (cttypes.LookupAttributeKey, bool) {
	for _, k := range cttypes.LookupAttributeKey("").Values() {
		if string(k) == name {
			return k, true
		}
	}
	return "", false
}

// maxLookupPage is the most events LookupEvents returns in one page.
const maxLookupPage = 50

// LookupEvents reads one page. It does not pace itself: a caller that
// reads many pages keeps to CloudTrail's 2 requests a second, or gets
// throttling errors marked retryable.
func (t *trail) LookupEvents(ctx context.Context, l cloud.Lookup) ([]cloud.TrailEvent, string, error) {
	if l.MaxResults < 0 || l.MaxResults > maxLookupPage {
		return nil, "", fmt.Errorf("look up CloudTrail events: %d events a page asked, CloudTrail gives 1 to %d", l.MaxResults, maxLookupPage)
	}
	if !l.Start.IsZero() && !l.End.IsZero() && l.End.Before(l.Start) {
		return nil, "", fmt.Errorf("look up CloudTrail events: the end %s is before the start %s", l.End, l.Start)
	}
	in := &ct.LookupEventsInput{MaxResults: aws.Int32(maxLookupPage)}
	if l.MaxResults > 0 {
		in.MaxResults = aws.Int32(int32(l.MaxResults))
	}
	if !l.Start.IsZero() {
		in.StartTime = aws.Time(l.Start)
	}
	if !l.End.IsZero() {
		in.EndTime = aws.Time(l.End)
	}
	if l.NextToken != "" {
		in.NextToken = aws.String(l.NextToken)
	}
	if a := l.Attribute; a != nil {
		key, ok := lookupKey(a.Key)
		if !ok {
			return nil, "", fmt.Errorf("look up CloudTrail events: %q is not a lookup attribute (EventName, Username, ResourceName, ResourceType, EventSource, ReadOnly, AccessKeyId, EventId)", a.Key)
		}
		in.LookupAttributes = []cttypes.LookupAttribute{{AttributeKey: key, AttributeValue: aws.String(a.Value)}}
	}
	out, err := t.c.LookupEvents(ctx, in)
	if err != nil {
		return nil, "", fmt.Errorf("look up CloudTrail events: %w", classify("cloudtrail", "LookupEvents", ref{Type: "CloudTrail events"}, err))
	}
	events := make([]cloud.TrailEvent, 0, len(out.Events))
	for _, e := range out.Events {
		ev := cloud.TrailEvent{
			ID: aws.ToString(e.EventId), Name: aws.ToString(e.EventName), Source: aws.ToString(e.EventSource),
			Time: aws.ToTime(e.EventTime), Username: aws.ToString(e.Username), ReadOnly: aws.ToString(e.ReadOnly) == "true",
			Record: aws.ToString(e.CloudTrailEvent),
		}
		for _, r := range e.Resources {
			ev.Resources = append(ev.Resources, cloud.TrailResource{Type: aws.ToString(r.ResourceType), Name: aws.ToString(r.ResourceName)})
		}
		events = append(events, ev)
	}
	return events, aws.ToString(out.NextToken), nil
}
