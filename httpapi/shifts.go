package httpapi

import (
	"net/http"

	"github.com/heartlink/heartlink"
	"github.com/heartlink/heartlink/campaign"
)

// The shifts of a campaign, one at a time: read, add, edit, remove. The
// store keeps each change and its sign-ups one atomic step (see
// campaign.ShiftUpdate).

func shiftLocation(cid, sid string) string { return "/api/v1/campaigns/" + cid + "/shifts/" + sid }

func (s *Server) handleShiftGet() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, fills, err := s.cfg.Campaigns.Campaign(r.Context(), r.PathValue("id"))
		if err != nil {
			s.error(w, r, err)
			return
		}
		sh, ok := c.Shift(r.PathValue("shift"))
		if !ok {
			s.error(w, r, heartlink.Errorf(heartlink.ENotFound, "no shift %q in campaign %q", r.PathValue("shift"), c.ID))
			return
		}
		s.json(w, http.StatusOK, shiftView{sh, fills[sh.ID]})
	})
}

func (s *Server) handleShiftAdd() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		by := principal(r)
		if err := must(by, heartlink.RoleCoordinator); err != nil {
			s.error(w, r, err)
			return
		}
		var d campaign.ShiftDraft
		if err := s.decode(w, r, &d); err != nil {
			s.error(w, r, err)
			return
		}
		cid := r.PathValue("id")
		sh, fill, err := s.cfg.Campaigns.AddShift(r.Context(), by, cid, d)
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.campaignChanged()
		w.Header().Set("Location", shiftLocation(cid, sh.ID))
		s.json(w, http.StatusCreated, shiftView{sh, fill})
	})
}

func (s *Server) handleShiftEdit() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		by := principal(r)
		if err := must(by, heartlink.RoleCoordinator); err != nil {
			s.error(w, r, err)
			return
		}
		var u campaign.ShiftUpdate
		if err := s.decode(w, r, &u); err != nil {
			s.error(w, r, err)
			return
		}
		sh, fill, err := s.cfg.Campaigns.EditShift(r.Context(), by, r.PathValue("id"), r.PathValue("shift"), u)
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.campaignChanged()
		s.json(w, http.StatusOK, shiftView{sh, fill})
	})
}

func (s *Server) handleShiftRemove() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		by := principal(r)
		if err := must(by, heartlink.RoleCoordinator); err != nil {
			s.error(w, r, err)
			return
		}
		rm, err := s.cfg.Campaigns.RemoveShift(r.Context(), by, r.PathValue("id"), r.PathValue("shift"))
		if err != nil {
			s.error(w, r, err)
			return
		}
		s.campaignChanged()
		s.json(w, http.StatusOK, rm)
	})
}

// campaignChanged tells the scheduler a campaign changed here, so that its
// reminders follow its shifts at once.
func (s *Server) campaignChanged() {
	if s.cfg.OnCampaign != nil {
		s.cfg.OnCampaign()
	}
}
