package postgres

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/tally-sv/tally/internal/derrors"
	"github.com/tally-sv/tally/internal/jobs"
	"github.com/tally-sv/tally/internal/notify"
	"github.com/tally-sv/tally/internal/tally"
)

// Tell records tellings on their own, within scope: messages in the app
// and one email job per address, in one transaction. An action that causes
// messages tells inside its own transaction instead (tell).
func (s *Store) Tell(ctx context.Context, scope tally.Scope, ts ...notify.Telling) (err error) {
	defer derrors.Wrap(&err, "Store.Tell()")
	return translate(s.InTx(ctx, scope, func(tx pgx.Tx) error { return s.tell(ctx, tx, ts...) }))
}

// tell writes tellings in tx: each as a message to its organisations and an
// email job to each of its recipients' addresses. The jobs commit or roll
// back with tx, so nobody is told of something that did not happen, and
// nothing that happened goes untold.
func (s *Store) tell(ctx context.Context, tx pgx.Tx, ts ...notify.Telling) error {
	if s.untold {
		return nil
	}
	var emails []river.InsertManyParams
	for _, t := range ts {
		for _, org := range t.Orgs {
			if _, err := tx.Exec(ctx, `INSERT INTO notifications (org_id, subject, body, link) VALUES ($1, $2, $3, $4)`,
				org, t.Subject, t.Body, t.Link); err != nil {
				return fmt.Errorf("message to org %d: %w", org, err)
			}
		}
		to, err := recipients(ctx, tx, t.To, t.Owner)
		if err != nil {
			return fmt.Errorf("recipients of %q: %w", t.Subject, err)
		}
		for _, r := range to {
			why := t.Why
			if why == "" {
				why = notify.WhyMember(r.org)
			}
			emails = append(emails, river.InsertManyParams{Args: jobs.Email{To: r.address, Subject: t.Subject, Body: t.Body,
				Link: t.Link, Why: why, Manage: t.Manage, Org: t.Owner, ToOrg: r.orgID}})
		}
	}
	if len(emails) == 0 {
		return nil
	}
	if _, err := s.jobs.InsertManyTx(ctx, tx, emails); err != nil {
		return fmt.Errorf("queue emails: %w", err)
	}
	return nil
}

// recipient is an address to email and the organisation its owner acts
// for there (the reason they are emailed).
type recipient struct {
	address string
	org     string // its name
	orgID   int64
}

// recipients finds the addresses r names, each once. The people of an
// organisation are usually outside the scope of whoever causes the
// telling (a supplier's action tells a council's staff), so each look-up
// reads the memberships of the organisations it names, and no others
// (withMembersOf).
func recipients(ctx context.Context, tx pgx.Tx, r notify.Recipients, owner int64) ([]recipient, error) {
	var out []recipient
	add := func(q string, args ...any) error {
		rows, err := tx.Query(ctx, q, args...)
		if err != nil {
			return err
		}
		list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (recipient, error) {
			var r recipient
			err := row.Scan(&r.address, &r.org, &r.orgID)
			return r, err
		})
		out = append(out, list...)
		return err
	}
	addMembers := func(orgs []int64, q string, args ...any) error {
		return withMembersOf(ctx, tx, orgs, func() error { return add(q, args...) })
	}
	if len(r.Suppliers) > 0 {
		if err := addMembers(r.Suppliers, `
			SELECT DISTINCT ON (u.email) u.email, o.name, o.id FROM memberships m
			JOIN users u ON u.id = m.user_id JOIN organisations o ON o.id = m.org_id
			WHERE m.org_id = ANY ($1) AND m.role = 'supplier' ORDER BY u.email, o.name`, r.Suppliers); err != nil {
			return nil, err
		}
	}
	if r.Partner != 0 {
		if err := addMembers([]int64{r.Partner}, `
			SELECT DISTINCT ON (u.email) u.email, p.name, p.id FROM memberships m
			JOIN users u ON u.id = m.user_id JOIN organisations p ON p.id = $1
			WHERE m.role = $2 AND (m.org_id = p.id OR m.org_id = p.shared_service_id) ORDER BY u.email`, r.Partner, r.Role); err != nil {
			return nil, err
		}
	}
	if r.Inviter != 0 {
		// The invitation is the owner's.
		if err := addMembers([]int64{owner}, `
			SELECT u.email, o.name, o.id FROM invitations i
			JOIN users u ON u.id = i.invited_by JOIN organisations o ON o.id = i.org_id
			WHERE i.id = $1 AND i.org_id = $2`, r.Inviter, owner); err != nil {
			return nil, err
		}
	}
	if len(r.Users) > 0 {
		if err := add(`SELECT email, '', 0::bigint FROM users WHERE id = ANY ($1)`, r.Users); err != nil {
			return nil, err
		}
	}
	if r.Address != "" {
		// An address on its own (an invitation) is the owner's to see.
		out = append(out, recipient{address: r.Address, orgID: owner})
	}
	slices.SortStableFunc(out, func(a, b recipient) int { return strings.Compare(a.address, b.address) })
	return slices.CompactFunc(out, func(a, b recipient) bool { return a.address == b.address }), nil
}
