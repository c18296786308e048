package sim

import (
	"fmt"
	"sync"
	"time"

	"github.com/wabaguard/wabaguard/internal/wire"
)

// EnforcementConfig applies Meta's enforcement ladder to a WABA whose
// recipients keep complaining: warning → template block → messaging block
// → lock → disable, one step per strike, each announced with the
// account_update webhook Meta sends. A strike is a number of the WABA rated
// RED for SustainedRed, or ReportsPerStrike reports within ReportWindow;
// strikes are at least StrikeCooldown apart and each needs fresh negative
// feedback after the previous step. Enforcement implies the quality model.
// Zero fields take DefaultEnforcement's values.
type EnforcementConfig struct {
	Enabled          bool
	SustainedRed     time.Duration
	ReportsPerStrike int
	ReportWindow     time.Duration
	StrikeCooldown   time.Duration
	// ViolationType is the violation_info.violation_type of the warning.
	ViolationType string
	// TemplateBlock and MessagingBlock are how long those steps last.
	TemplateBlock, MessagingBlock time.Duration
	// DisableAfterLock disables a locked account that was not reinstated
	// (Reinstate stands for a successful appeal) within that time.
	DisableAfterLock time.Duration
}

// DefaultEnforcement returns the enforcement defaults (disabled).
func DefaultEnforcement() EnforcementConfig {
	return EnforcementConfig{
		SustainedRed: 6 * time.Hour, ReportsPerStrike: 100, ReportWindow: 24 * time.Hour,
		StrikeCooldown: 24 * time.Hour, ViolationType: "SPAM",
		TemplateBlock: 24 * time.Hour, MessagingBlock: 7 * 24 * time.Hour,
		DisableAfterLock: 30 * 24 * time.Hour,
	}
}

func (e EnforcementConfig) withDefaults() EnforcementConfig {
	d := DefaultEnforcement()
	setD := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	setD(&e.SustainedRed, d.SustainedRed)
	setD(&e.ReportWindow, d.ReportWindow)
	setD(&e.StrikeCooldown, d.StrikeCooldown)
	setD(&e.TemplateBlock, d.TemplateBlock)
	setD(&e.MessagingBlock, d.MessagingBlock)
	setD(&e.DisableAfterLock, d.DisableAfterLock)
	if e.ReportsPerStrike <= 0 {
		e.ReportsPerStrike = d.ReportsPerStrike
	}
	if e.ViolationType == "" {
		e.ViolationType = d.ViolationType
	}
	return e
}

// Enforcement steps, in ladder order.
const (
	StepNone           = ""
	StepWarning        = "WARNING"
	StepTemplateBlock  = "TEMPLATE_BLOCK"
	StepMessagingBlock = "MESSAGING_BLOCK"
	StepLocked         = "LOCKED"
	StepDisabled       = "DISABLED"
)

var ladder = []string{StepNone, StepWarning, StepTemplateBlock, StepMessagingBlock, StepLocked, StepDisabled}

// EnforcementAction is one step of the ladder applied to a WABA.
type EnforcementAction struct {
	At   time.Time `json:"at"`
	Step string    `json:"step"`
	// Until is when a block ends; zero for a warning, a lock or a disable.
	Until time.Time `json:"until,omitzero"`
	// Cause is "sustained_red", "reports", "lock_not_appealed" or "reinstated".
	Cause string `json:"cause"`
	// PhoneNumberID is the number whose feedback caused the strike.
	PhoneNumberID string `json:"phone_number_id"`
}

// wabaQuality is the per-WABA state of the quality and enforcement models.
type wabaQuality struct {
	mu        sync.Mutex
	templates map[string]*templateQuality // template id →
	history   []QualityChange

	step     int // index in ladder
	until    time.Time
	lastStep time.Time
	freshNeg bool        // negative feedback since the last step
	reports  []time.Time // recent reports, oldest first
	enforced []EnforcementAction
}

func (wq *wabaQuality) report(at time.Time, e EnforcementConfig) {
	wq.mu.Lock()
	defer wq.mu.Unlock()
	wq.reports = append(wq.reports, at)
	if len(wq.reports) > e.ReportsPerStrike {
		wq.reports = append(wq.reports[:0], wq.reports[len(wq.reports)-e.ReportsPerStrike:]...)
	}
}

func (wq *wabaQuality) negative() {
	wq.mu.Lock()
	wq.freshNeg = true
	wq.mu.Unlock()
}

// enforce checks for a strike caused by one number and applies the next
// step; ns.mu must be held.
func (s *Sim) enforce(ns *numberState, nq *numberQuality, now time.Time) {
	e := s.beh.ecfg
	wq := s.beh.wabas[ns.waba.id]
	wq.mu.Lock()
	defer wq.mu.Unlock()
	if wq.step == len(ladder)-1 {
		return
	}
	cause := ""
	switch {
	case ladder[wq.step] == StepLocked:
		// A locked account cannot send, so no new feedback comes: without
		// an appeal it is disabled after DisableAfterLock.
		if now.Sub(wq.lastStep) >= e.DisableAfterLock {
			cause = "lock_not_appealed"
		}
	case !wq.freshNeg, wq.step > 0 && now.Sub(wq.lastStep) < e.StrikeCooldown:
		return
	// The RED clock restarts at each step: a strike needs RED sustained after it.
	case !nq.redSince.IsZero() && now.Sub(maxTime(nq.redSince, wq.lastStep)) >= e.SustainedRed:
		cause = "sustained_red"
	default:
		n := 0
		for _, t := range wq.reports {
			if now.Sub(t) < e.ReportWindow && t.After(wq.lastStep) {
				n++
			}
		}
		if n >= e.ReportsPerStrike {
			cause = "reports"
		}
	}
	if cause == "" {
		return
	}
	wq.step++
	wq.lastStep, wq.freshNeg = now, false
	step := ladder[wq.step]
	a := EnforcementAction{At: now, Step: step, Cause: cause, PhoneNumberID: ns.cfg.PhoneNumberID}
	switch step {
	case StepTemplateBlock:
		a.Until = now.Add(e.TemplateBlock)
	case StepMessagingBlock:
		a.Until = now.Add(e.MessagingBlock)
	}
	wq.until = a.Until
	wq.enforced = append(wq.enforced, a)
	s.queueAccountUpdate(ns.waba.id, a, e)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// accountUpdateValue is the value of an account_update webhook.
type accountUpdateValue struct {
	Event         string            `json:"event"`
	ViolationInfo *violationInfo    `json:"violation_info,omitempty"`
	Restrictions  []restrictionInfo `json:"restriction_info,omitempty"`
	BanInfo       *banInfo          `json:"ban_info,omitempty"`
}

type violationInfo struct {
	ViolationType string `json:"violation_type"`
}

type restrictionInfo struct {
	RestrictionType string `json:"restriction_type"`
	Expiration      int64  `json:"expiration,omitempty"`
}

type banInfo struct {
	State string `json:"waba_ban_state"`
	Date  string `json:"waba_ban_date"`
}

func (s *Sim) queueAccountUpdate(wabaID string, a EnforcementAction, e EnforcementConfig) {
	if !s.webhooksOn() {
		return
	}
	var v accountUpdateValue
	restrict := func(types ...string) {
		v.Event = "ACCOUNT_RESTRICTION"
		for _, t := range types {
			r := restrictionInfo{RestrictionType: t}
			if !a.Until.IsZero() {
				r.Expiration = a.Until.Unix()
			}
			v.Restrictions = append(v.Restrictions, r)
		}
	}
	switch a.Step {
	case StepWarning:
		v.Event, v.ViolationInfo = "ACCOUNT_VIOLATION", &violationInfo{ViolationType: e.ViolationType}
	case StepTemplateBlock:
		restrict("RESTRICTED_BIZ_INITIATED_MESSAGING", "RESTRICTED_ADD_PHONE_NUMBER_ACTION")
	case StepMessagingBlock, StepLocked:
		restrict("RESTRICTED_BIZ_INITIATED_MESSAGING", "RESTRICTED_CUSTOMER_INITIATED_MESSAGING", "RESTRICTED_ADD_PHONE_NUMBER_ACTION")
	case StepDisabled:
		v.Event, v.BanInfo = "DISABLED_UPDATE", &banInfo{State: "DISABLE", Date: a.At.UTC().Format("January 2, 2006")}
	}
	if err := s.queueChange(wabaID, a.At, "account_update", v); err != nil {
		s.logDrop(fmt.Errorf("account_update webhook: %w", err))
	}
}

// restriction is the WABA's enforcement in force at now: the step and, for
// a block, when it ends.
func (s *Sim) restriction(wabaID string, now time.Time) (string, time.Time) {
	if s.beh == nil || !s.beh.ecfg.Enabled {
		return StepNone, time.Time{}
	}
	wq := s.beh.wabas[wabaID]
	wq.mu.Lock()
	defer wq.mu.Unlock()
	step := ladder[wq.step]
	if (step == StepTemplateBlock || step == StepMessagingBlock) && !now.Before(wq.until) {
		return StepNone, time.Time{}
	}
	if step == StepWarning {
		return StepNone, time.Time{}
	}
	return step, wq.until
}

// enforcementGate is the synchronous error Meta answers a send with while
// the WABA is restricted: 368 for a block (templates only for a template
// block, every message for a messaging block), 131031 once the account is
// locked or disabled.
func (s *Sim) enforcementGate(wabaID string, template bool, now time.Time) *wire.Error {
	step, _ := s.restriction(wabaID, now)
	switch step {
	case StepTemplateBlock:
		if !template {
			return nil
		}
		fallthrough
	case StepMessagingBlock:
		return wire.NewError(wire.CodePolicyRestricted, "Temporarily blocked for policies violations: this WhatsApp Business Account is restricted from sending messages for violating a platform policy.")
	case StepLocked, StepDisabled:
		return wire.NewError(wire.CodeAccountLocked, "Business account has been locked or disabled for violating a platform policy. Check the account's health status.")
	}
	return nil
}

// numberHealth is the status and health_status a number shows while its
// WABA is under enforcement.
func (s *Sim) numberHealth(ns *numberState, now time.Time) (status, canSend string) {
	switch step, _ := s.restriction(ns.waba.id, now); step {
	case StepTemplateBlock:
		return "RESTRICTED", "LIMITED"
	case StepMessagingBlock, StepLocked, StepDisabled:
		return "RESTRICTED", "BLOCKED"
	}
	return ns.cfg.Status, "AVAILABLE"
}

// Enforcement returns the ladder steps applied to a WABA, oldest first.
func (s *Sim) Enforcement(wabaID string) []EnforcementAction {
	if s.beh == nil || s.beh.wabas[wabaID] == nil {
		return nil
	}
	wq := s.beh.wabas[wabaID]
	wq.mu.Lock()
	defer wq.mu.Unlock()
	return append([]EnforcementAction(nil), wq.enforced...)
}

// Reinstate lifts a WABA's lock, disable or block as a successful appeal
// does: the account_update DISABLED_UPDATE webhook with waba_ban_state
// REINSTATE, and the ladder back to the warning step (a new strike
// escalates from there).
func (s *Sim) Reinstate(wabaID string) error {
	if s.beh == nil || !s.beh.ecfg.Enabled || s.beh.wabas[wabaID] == nil {
		return fmt.Errorf("sim: no enforcement state for WABA %s", wabaID)
	}
	now := s.clock.Now()
	wq := s.beh.wabas[wabaID]
	wq.mu.Lock()
	if wq.step <= 1 {
		wq.mu.Unlock()
		return fmt.Errorf("sim: WABA %s is not restricted", wabaID)
	}
	wq.step, wq.until, wq.lastStep, wq.freshNeg = 1, time.Time{}, now, false
	wq.enforced = append(wq.enforced, EnforcementAction{At: now, Step: "REINSTATED", Cause: "reinstated"})
	wq.mu.Unlock()
	if !s.webhooksOn() {
		return nil
	}
	return s.queueChange(wabaID, now, "account_update", accountUpdateValue{Event: "DISABLED_UPDATE",
		BanInfo: &banInfo{State: "REINSTATE", Date: now.UTC().Format("January 2, 2006")}})
}
