package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// routes is every route Tally serves, on one screen. permissions.go lists
// the roles allowed on each; a test keeps the two in step.
func (s *Server) routes() chi.Router {
	r := chi.NewRouter()
	r.Use(s.requestID, s.securityHeaders, s.logRequests, s.recoverPanics, s.csrf)
	r.NotFound(s.h(func(w http.ResponseWriter, r *http.Request) error { return errNotFound }))
	r.MethodNotAllowed(s.h(func(w http.ResponseWriter, r *http.Request) error { return errMethodNotAllowed }))

	r.Get("/healthz", s.handleHealthz)
	r.Get("/readyz", s.handleReadyz)
	r.Handle("/static/*", s.staticFiles())

	r.Group(func(r chi.Router) {
		r.Use(s.sessions.LoadAndSave, s.loadUser)

		// Public.
		r.Get("/", s.h(s.handleHome))
		r.Get("/accessibility", s.h(s.handleAccessibility))
		r.Get("/glossary", s.h(s.handleGlossary))
		r.Get("/login", s.h(s.handleLoginForm))
		r.Post("/login", s.h(s.handleLogin))
		r.Post("/logout", s.h(s.handleLogout))
		r.Get("/register", s.h(s.handleRegisterForm))
		r.Post("/register", s.h(s.handleRegister))
		r.Get("/password-reset", s.h(s.handleResetRequestForm))
		r.Post("/password-reset", s.h(s.handleResetRequest))
		r.Get("/reset/{token}", s.h(s.handleResetForm))
		r.Post("/reset/{token}", s.h(s.handleReset))
		r.Get("/invite/{token}", s.h(s.handleInviteForm))
		r.Post("/invite/{token}", s.h(s.handleInvite))
		r.Post("/invite/{token}/again", s.h(s.handleInviteAgain))

		// Signed in.
		r.Group(func(r chi.Router) {
			r.Use(s.requireUser)
			r.Get("/account", s.h(s.handleAccount))
			r.Post("/account/sign-out-everywhere", s.h(s.handleSignOutEverywhere))
			r.Post("/account/password", s.h(s.handleChangePassword))

			// Inside an organisation: s.org checks membership and the
			// permission table, and answers 404 to everyone else.
			r.Route("/o/{org}", func(r chi.Router) {
				r.Get("/", s.org(s.handleOrgHome))
				r.Get("/users", s.org(s.handleUsers))
				r.Post("/users", s.org(s.handleInviteUser))
				r.Get("/users/{user}", s.org(s.handleMember))
				r.Post("/users/{user}", s.org(s.handleSetRoles))
				r.Post("/users/invitations/{invitation}/resend", s.org(s.handleResendInvitation))
				r.Post("/users/invitations/{invitation}/revoke", s.org(s.handleRevokeInvitation))
				r.Get("/settings", s.org(s.handleSettingsList))
				r.Get("/settings/{partner}", s.org(s.handleSettingsForm))
				r.Post("/settings/{partner}", s.org(s.handleSaveSettings))
				r.Get("/audit", s.org(s.handleAudit))
				r.Get("/notifications", s.org(s.handleNotifications))

				r.Get("/measures", s.org(s.handleMeasures))
				r.Get("/measures/import", s.org(s.handleImportForm))
				r.Post("/measures/import", s.org(s.handleImport))
				r.Get("/measures/local", s.org(s.handleLocalMeasures))
				r.Get("/measures/local/new", s.org(s.handleNewLocalMeasure))
				r.Post("/measures/local/new", s.org(s.handleSaveLocalMeasure))
				r.Get("/measures/local/{measure}", s.org(s.handleLocalMeasure))
				r.Post("/measures/local/{measure}", s.org(s.handleSaveLocalMeasure))
				r.Post("/measures/local/{measure}/retire", s.org(s.handleRetireLocalMeasure))
				r.Get("/measures/{edition}", s.org(s.handleEdition))
				r.Get("/measures/{edition}/export.csv", s.org(s.handleEditionExport))
				r.Post("/measures/{edition}/choice", s.org(s.handleChooseEdition))

				r.Get("/tenders", s.org(s.handleTenders))
				r.Get("/tenders/new", s.org(s.handleNewTender))
				r.Post("/tenders/new", s.org(s.handleSaveTender))
				r.Get("/tenders/{tender}", s.org(s.handleTender))
				r.Get("/tenders/{tender}/edit", s.org(s.handleEditTender))
				r.Post("/tenders/{tender}/edit", s.org(s.handleSaveTender))
				r.Get("/tenders/{tender}/publish", s.org(s.handlePublishCheck))
				r.Post("/tenders/{tender}/publish", s.org(s.handlePublishTender))
				r.Get("/tenders/{tender}/extend", s.org(s.handleExtendForm))
				r.Post("/tenders/{tender}/extend", s.org(s.handleExtend))
				r.Get("/tenders/{tender}/cancel", s.org(s.handleCancelForm))
				r.Post("/tenders/{tender}/cancel", s.org(s.handleCancel))
				r.Post("/tenders/{tender}/copy", s.org(s.handleCopyTender))
				r.Get("/tenders/{tender}/evaluation", s.org(s.handleEvaluation))
				r.Get("/tenders/{tender}/evaluation.csv", s.org(s.handleEvaluationExport("csv")))
				r.Get("/tenders/{tender}/evaluation.xlsx", s.org(s.handleEvaluationExport("xlsx")))
				r.Post("/tenders/{tender}/evaluation/moderate", s.org(s.handleModerate))
				r.Post("/tenders/{tender}/evaluation/scores", s.org(s.handleScores))
				r.Post("/tenders/{tender}/evaluation/award", s.org(s.handleAward))

				r.Get("/contracts", s.org(s.handleContracts))
				r.Get("/contracts.csv", s.org(s.handleContractsExport("csv")))
				r.Get("/contracts.xlsx", s.org(s.handleContractsExport("xlsx")))
				r.Get("/contracts/new", s.org(s.handleNewContract))
				r.Post("/contracts/new", s.org(s.handleCreateContract))
				r.Get("/contracts/{contract}", s.org(s.handleContract))
				r.Get("/contracts/{contract}/kpis/{kpi}", s.org(s.handleKPIForm))
				r.Post("/contracts/{contract}/kpis/{kpi}", s.org(s.handleKPIChange))
				r.Post("/contracts/{contract}/returns", s.org(s.handleStartReturn))

				r.Get("/dashboard", s.org(s.handleDashboard))
				r.Get("/dashboard.csv", s.org(s.handleDashboardCSV))
				r.Get("/dashboard/{table}.{format}", s.org(s.handleDashboardTable))
				r.Get("/reports/measures", s.org(s.handleMeasureReport))
				r.Get("/reports/measures.{format}", s.org(s.handleMeasureReport))
				r.Get("/suppliers", s.org(s.handleSuppliers))
				r.Get("/suppliers/{supplier}", s.org(s.handleSupplierRecord))
				r.Get("/record", s.org(s.handleOwnRecord))

				r.Get("/returns", s.org(s.handleReturns))
				r.Get("/returns/{return}", s.org(s.handleReturn))
				r.Post("/returns/{return}", s.org(s.handleSaveReturn))
				r.Post("/returns/{return}/verify", s.org(s.handleVerifyReturn))
				r.Get("/returns/{return}/on-behalf", s.org(s.handleReturnOnBehalf))
				r.Get("/returns/{return}/check", s.org(s.handleReturnCheck))
				r.Post("/returns/{return}/submit", s.org(s.handleSubmitReturn))
				r.Post("/returns/{return}/evidence", s.org(s.handleUploadEvidence))
				r.Get("/returns/{return}/evidence/{file}", s.org(s.handleEvidence))
				r.Post("/returns/{return}/evidence/{file}/remove", s.org(s.handleRemoveEvidence))

				r.Get("/opportunities", s.org(s.handleOpportunities))
				r.Get("/opportunities/{tender}", s.org(s.handleOpportunity))
				r.Post("/opportunities/{tender}/offer", s.org(s.handleStartOffer))
				r.Get("/offers", s.org(s.handleOffers))
				r.Get("/offers/{offer}", s.org(s.handleOffer))
				r.Post("/offers/{offer}", s.org(s.handleSaveOffer))
				r.Get("/offers/{offer}/submit", s.org(s.handleConfirmOffer))
				r.Post("/offers/{offer}/submit", s.org(s.handleSubmitOffer))
				r.Get("/offers/{offer}/receipt", s.org(s.handleOfferReceipt))
				r.Post("/offers/{offer}/withdraw", s.org(s.handleWithdrawOffer))
				r.Get("/offers/{offer}/template.{format}", s.org(s.handleOfferTemplate))
				r.Post("/offers/{offer}/upload", s.org(s.handleOfferUpload))
			})
		})
	})
	return r
}
