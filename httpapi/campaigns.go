package httpapi

import (
	"net/http"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/campaign"
)

// campaignView is a campaign as the API shows it: with its window's state
// and each shift's fill.
type campaignView struct {
	*campaign.Campaign
	Window campaign.Window `json:"window"`
	Shifts []shiftView     `json:"shifts"`
}

type shiftView struct {
	campaign.Shift
	campaign.Fill
}

func (s *Server) campaignView(c *campaign.Campaign, fills map[string]campaign.Fill) campaignView {
	v := campaignView{Campaign: c, Window: c.WindowAt(s.cfg.Clock.Now()), Shifts: []shiftView{}}
	for _, sh := range c.Shifts {
		v.Shifts = append(v.Shifts, shiftView{sh, fills[sh.ID]})
	}
	return v
}

func (s *Server) handleCampaignCreate() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		by := principal(r)
		if err := must(by, heartlink.RoleCoordinator); err != nil {
			s.error(w, r, err)
			return
		}
		var d campaign.Draft
		if err := s.decode(w, r, &d); err != nil {
			s.error(w, r, err)
			return
		}
		c, err := s.cfg.Campaigns.CreateCampaign(r.Context(), by, d)
		if err != nil {
			s.error(w, r, err)
			return
		}
		if s.cfg.OnCampaign != nil {
			s.cfg.OnCampaign()
		}
		w.Header().Set("Location", "/api/v1/campaigns/"+c.ID)
		s.json(w, http.StatusCreated, s.campaignView(c, nil))
	})
}

func (s *Server) handleCampaignUpdate() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		by := principal(r)
		if err := must(by, heartlink.RoleCoordinator); err != nil {
			s.error(w, r, err)
			return
		}
		var u campaign.Update
		if err := s.decode(w, r, &u); err != nil {
			s.error(w, r, err)
			return
		}
		c, err := s.cfg.Campaigns.UpdateCampaign(r.Context(), by, r.PathValue("id"), u)
		if err != nil {
			s.error(w, r, err)
			return
		}
		if s.cfg.OnCampaign != nil {
			s.cfg.OnCampaign()
		}
		c, fills, err := s.cfg.Campaigns.Campaign(r.Context(), c.ID)
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusOK, s.campaignView(c, fills))
	})
}

func (s *Server) handleCampaignGet() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, fills, err := s.cfg.Campaigns.Campaign(r.Context(), r.PathValue("id"))
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusOK, s.campaignView(c, fills))
	})
}

func (s *Server) handleCampaignList() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit, cursor, err := pageParams(r)
		if err != nil {
			s.error(w, r, err)
			return
		}
		if limit == 0 {
			limit = maxPage // as before paging: the newest 500
		}
		cs, fills, next, err := s.cfg.Campaigns.CampaignPage(r.Context(), limit, cursor)
		if err != nil {
			s.error(w, r, err)
			return
		}
		out := make([]campaignView, len(cs))
		for i, c := range cs {
			out[i] = s.campaignView(c, fills)
		}
		s.page(w, "campaigns", out, next)
	})
}

// signupLimit is how often one driver may sign up or withdraw, per second
// with a burst twice that, so that a client cannot crowd out the rest in
// the first minute of a window.
const signupLimit = 2

func (s *Server) handleSignup() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		by := principal(r)
		if err := must(by, heartlink.RoleDriver); err != nil {
			s.error(w, r, err)
			return
		}
		if !s.allow(w, r, "signup:"+by.ID, signupLimit, 2*signupLimit) {
			return
		}
		su, err := s.cfg.Campaigns.SignUp(r.Context(), by, r.PathValue("id"), r.PathValue("shift"))
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusCreated, su)
	})
}

func (s *Server) handleWithdraw() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		by := principal(r)
		if err := must(by, heartlink.RoleDriver); err != nil {
			s.error(w, r, err)
			return
		}
		if !s.allow(w, r, "signup:"+by.ID, signupLimit, 2*signupLimit) {
			return
		}
		if err := s.cfg.Campaigns.Withdraw(r.Context(), by, r.PathValue("id"), r.PathValue("shift")); err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusOK, map[string]any{"campaign_id": r.PathValue("id"), "shift_id": r.PathValue("shift"), "withdrawn": true})
	})
}

func (s *Server) handleMySignups() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sus, err := s.cfg.Campaigns.Signups(r.Context(), principal(r))
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.json(w, http.StatusOK, map[string]any{"signups": sus})
	})
}

// needCampaigns answers 404 when the server runs without campaigns.
func (s *Server) needCampaigns(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.cfg.Campaigns == nil {
			s.error(w, r, heartlink.Errorf(heartlink.ENotFound, "campaigns are off"))
			return
		}
		h.ServeHTTP(w, r)
	})
}
