package httpapi

import (
	"net/http"

	"github.com/heartlink/heartlink"
)

type route struct {
	method, pattern string
	handler         http.Handler
}

// routes lists every endpoint. openapi.json documents each of them; a test
// keeps the two in step.
func (s *Server) routes() []route {
	return []route{
		{"GET", "/healthz", s.handleHealthz()},
		{"GET", "/readyz", s.handleReadyz()},
		{"GET", "/metrics", s.handleMetrics()},
		{"GET", "/api/v1/openapi.json", handleOpenAPI()},

		{"POST", "/api/v1/coordinators", s.auth(s.handleCoordinatorCreate())},
		{"POST", "/api/v1/coordinators/{id}/token", s.auth(s.handleRotate(heartlink.RoleCoordinator))},
		{"POST", "/api/v1/drivers", s.auth(s.handleDriverCreate())},
		{"GET", "/api/v1/drivers", s.auth(s.handleDriverList())},
		{"GET", "/api/v1/drivers/me", s.auth(s.handleDriverMe())},
		{"GET", "/api/v1/drivers/{id}", s.auth(s.handleDriverGet())},
		{"PATCH", "/api/v1/drivers/{id}", s.auth(s.handleDriverUpdate())},
		{"GET", "/api/v1/drivers/{id}/changes", s.auth(s.handleChanges(heartlink.RoleDriver))},
		{"PATCH", "/api/v1/requesters/{id}", s.auth(s.handleRequesterUpdate())},
		{"GET", "/api/v1/requesters/{id}/changes", s.auth(s.handleChanges(heartlink.RoleRequester))},
		{"POST", "/api/v1/drivers/{id}/token", s.auth(s.handleRotate(heartlink.RoleDriver))},
		{"POST", "/api/v1/requesters/{id}/token", s.auth(s.handleRotate(heartlink.RoleRequester))},
		{"POST", "/api/v1/drivers/me/presence", s.auth(s.handlePresence())},
		{"GET", "/api/v1/drivers/me/offers", s.auth(s.handleOffers())},
		{"GET", "/api/v1/drivers/me/stats", s.auth(s.handleStats(true))},
		{"GET", "/api/v1/drivers/{id}/stats", s.auth(s.handleStats(false))},
		{"GET", "/api/v1/drivers/me/route", s.auth(s.handleDriverRoute(true))},
		{"GET", "/api/v1/drivers/{id}/route", s.auth(s.handleDriverRoute(false))},
		{"POST", "/api/v1/places", s.auth(s.handlePlaceCreate())},
		{"GET", "/api/v1/places", s.auth(s.handlePlaceList())},
		{"POST", "/api/v1/requesters", s.auth(s.handleRequesterCreate())},
		{"GET", "/api/v1/requesters", s.auth(s.handleRequesterList())},
		{"GET", "/api/v1/requesters/me", s.auth(s.handleRequesterMe())},

		{"POST", "/api/v1/trips", s.auth(s.idempotent(s.cfg.MaxBody, s.tripCreated, s.handleTripCreate()))},
		{"POST", "/api/v1/trips/import", s.auth(s.idempotent(maxImportBytes, nil, s.handleImport()))},
		{"GET", "/api/v1/trips", s.auth(s.handleTripList())},
		{"GET", "/api/v1/trips/{id}", s.auth(s.handleTripGet())},
		{"POST", "/api/v1/trips/{id}/accept", s.auth(s.handleAccept())},
		{"POST", "/api/v1/trips/{id}/decline", s.auth(s.handleDecline())},
		{"POST", "/api/v1/trips/{id}/progress", s.auth(s.handleProgress())},
		{"POST", "/api/v1/trips/{id}/release", s.auth(s.handleRelease())},
		{"POST", "/api/v1/trips/{id}/cancel", s.auth(s.handleCancel())},
		{"POST", "/api/v1/trips/{id}/assign", s.auth(s.handleAssign())},
		{"POST", "/api/v1/trips/{id}/requeue", s.auth(s.handleRequeue())},
		{"POST", "/api/v1/trips/{id}/reassign", s.auth(s.handleReassign())},
		{"POST", "/api/v1/trips/{id}/unassign", s.auth(s.handleUnassign())},
		{"GET", "/api/v1/trips/{id}/events", s.auth(s.handleEvents())},
		{"POST", "/api/v1/trips/{id}/checkin", s.auth(s.needGates(s.handleCheckIn()))},
		{"GET", "/api/v1/arrivals", s.auth(s.needGates(s.handleArrivals()))},
		{"POST", "/api/v1/alerts/{id}/close", s.auth(s.handleAlertClose())},
		{"POST", "/api/v1/trips/{id}/share", s.auth(s.needSafety(s.handleShare()))},
		{"DELETE", "/api/v1/trips/{id}/share", s.auth(s.needSafety(s.handleUnshare(false)))},
		{"DELETE", "/api/v1/trips/{id}/share/{link}", s.auth(s.needSafety(s.handleUnshare(true)))},
		{"GET", "/api/v1/shared/{token}", s.needSafety(s.handleShared())},
		// An SOS is never refused for load: see authSOS.
		{"POST", "/api/v1/riders/export", s.auth(s.needPrivacy(s.handleRiderExport()))},
		{"POST", "/api/v1/riders/erase", s.auth(s.needPrivacy(s.handleRiderErase()))},
		{"GET", "/api/v1/trips/{id}/reads", s.auth(s.needPrivacy(s.handleContactReads()))},
		{"POST", "/api/v1/sos", s.authSOS(s.needSafety(s.handleSOSRaise()))},
		{"GET", "/api/v1/sos", s.auth(s.needSafety(s.handleSOSList()))},
		{"POST", "/api/v1/sos/{id}/resolve", s.auth(s.needSafety(s.handleSOSResolve()))},
		{"POST", "/api/v1/reports", s.auth(s.needReports(s.handleReportFile()))},
		{"GET", "/api/v1/reports", s.auth(s.needReports(s.handleReportList()))},
		{"GET", "/api/v1/reports/{id}", s.auth(s.needReports(s.handleReportGet()))},
		{"PATCH", "/api/v1/reports/{id}", s.auth(s.needReports(s.handleReportUpdate()))},
		{"GET", "/api/v1/reports/{id}/photos/{n}", s.auth(s.needReports(s.handleReportPhoto()))},
		{"POST", "/api/v1/lost-items", s.auth(s.needLost(s.handleLostLog()))},
		{"GET", "/api/v1/lost-items", s.auth(s.needLost(s.handleLostList()))},
		{"GET", "/api/v1/lost-items/{id}", s.auth(s.needLost(s.handleLostGet()))},
		{"GET", "/api/v1/lost-items/{id}/photo", s.auth(s.needLost(s.handleLostPhoto()))},
		{"POST", "/api/v1/lost-items/{id}/returned", s.auth(s.needLost(s.handleLostReturned()))},

		{"POST", "/api/v1/campaigns", s.auth(s.needCampaigns(s.handleCampaignCreate()))},
		{"GET", "/api/v1/campaigns", s.auth(s.needCampaigns(s.handleCampaignList()))},
		{"GET", "/api/v1/campaigns/{id}", s.auth(s.needCampaigns(s.handleCampaignGet()))},
		{"PATCH", "/api/v1/campaigns/{id}", s.auth(s.needCampaigns(s.handleCampaignUpdate()))},
		{"POST", "/api/v1/campaigns/{id}/shifts", s.auth(s.needCampaigns(s.handleShiftAdd()))},
		{"GET", "/api/v1/campaigns/{id}/shifts/{shift}", s.auth(s.needCampaigns(s.handleShiftGet()))},
		{"PATCH", "/api/v1/campaigns/{id}/shifts/{shift}", s.auth(s.needCampaigns(s.handleShiftEdit()))},
		{"DELETE", "/api/v1/campaigns/{id}/shifts/{shift}", s.auth(s.needCampaigns(s.handleShiftRemove()))},
		{"POST", "/api/v1/campaigns/{id}/shifts/{shift}/signup", s.auth(s.needCampaigns(s.idempotent(s.cfg.MaxBody, nil, s.handleSignup())))},
		{"DELETE", "/api/v1/campaigns/{id}/shifts/{shift}/signup", s.auth(s.needCampaigns(s.handleWithdraw()))},
		{"GET", "/api/v1/drivers/me/signups", s.auth(s.needCampaigns(s.handleMySignups()))},
		{"POST", "/api/v1/campaigns/{id}/shifts/{shift}/plan", s.auth(s.needPlans(s.handlePlanCreate()))},
		{"GET", "/api/v1/campaigns/{id}/shifts/{shift}/plan", s.auth(s.needPlans(s.handlePlanGet()))},
		{"POST", "/api/v1/campaigns/{id}/shifts/{shift}/plan/publish", s.auth(s.needPlans(s.handlePlanPublish()))},
		{"GET", "/api/v1/plans/{date}", s.auth(s.needPlans(s.handleAdvancePlan()))},
		{"POST", "/api/v1/plans/{date}/publish", s.auth(s.needPlans(s.handleAdvancePublish()))},
		{"GET", "/api/v1/drivers/me/availability", s.auth(s.needPlans(s.handleAvailabilityGet(true)))},
		{"PUT", "/api/v1/drivers/me/availability", s.auth(s.needPlans(s.handleAvailabilitySet(true)))},
		{"GET", "/api/v1/drivers/{id}/availability", s.auth(s.needPlans(s.handleAvailabilityGet(false)))},
		{"PUT", "/api/v1/drivers/{id}/availability", s.auth(s.needPlans(s.handleAvailabilitySet(false)))},
		{"POST", "/api/v1/routes/{id}/accept", s.auth(s.needPlans(s.handleRouteAccept()))},
		{"POST", "/api/v1/routes/{id}/decline", s.auth(s.needPlans(s.handleRouteDecline()))},

		{"POST", "/api/v1/recurring-trips", s.auth(s.needRecurring(s.idempotent(s.cfg.MaxBody, nil, s.handleRecurringCreate())))},
		{"GET", "/api/v1/recurring-trips", s.auth(s.needRecurring(s.handleRecurringList()))},
		{"DELETE", "/api/v1/recurring-trips/{id}", s.auth(s.needRecurring(s.handleRecurringStop()))},

		{"POST", "/api/v1/realtime/tickets", s.auth(s.handleTicket())},
		{"GET", "/ws/driver", s.handleLive(heartlink.RoleDriver)},
		{"GET", "/ws/board", s.handleLive(heartlink.RoleCoordinator)},
		{"GET", "/ws/requester", s.handleLive(heartlink.RoleRequester)},
	}
}
