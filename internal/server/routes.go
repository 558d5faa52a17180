package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// routes is every route Tally serves, on one screen, each with the roles
// allowed on it (permissions.go names them). It also reads the permission
// table back from the router, for Permissions and the navigation.
func (s *Server) routes() chi.Router {
	r := guardedRouter{chi.NewRouter()}
	r.Use(s.requestID, s.securityHeaders, s.logRequests, s.recoverPanics, s.csrf)
	r.NotFound(s.h(func(w http.ResponseWriter, r *http.Request) error { return errNotFound }))
	r.MethodNotAllowed(s.h(func(w http.ResponseWriter, r *http.Request) error { return errMethodNotAllowed }))

	r.Get("/healthz", publicHTTP(http.HandlerFunc(s.handleHealthz)))
	r.Get("/readyz", publicHTTP(http.HandlerFunc(s.handleReadyz)))
	r.Handle("/static/*", publicHTTP(s.staticFiles()))

	r.Group(func(r guardedRouter) {
		r.Use(s.sessions.LoadAndSave, s.loadUser)

		// Public.
		r.Get("/", s.public(s.handleHome))
		r.Get("/accessibility", s.public(s.handleAccessibility))
		r.Get("/glossary", s.public(s.handleGlossary))
		r.Get("/login", s.public(s.handleLoginForm))
		r.Post("/login", s.public(s.handleLogin))
		r.Get("/login/link", s.public(s.handleSignInLinkForm))
		r.Post("/login/link", s.public(s.handleSignInLinkRequest))
		r.Get("/login/link/{token}", s.public(s.handleSignInLinkPage))
		r.Post("/login/link/{token}", s.public(s.handleSignInWithLink))
		r.Get("/login/sso", s.public(s.handleSSOForm))
		r.Post("/login/sso", s.public(s.handleSSOStart))
		r.Get("/login/sso/callback", s.public(s.handleSSOCallback))
		r.Post("/logout", s.public(s.handleLogout))
		// 2-step verification after the password or link (twostep.go):
		// public, for the session holds only a pending step.
		r.Get("/login/code", s.public(s.handleSecondStepForm))
		r.Post("/login/code", s.public(s.handleSecondStep))
		r.Get("/login/recovery-code", s.public(s.handleRecoveryCodeForm))
		r.Post("/login/recovery-code", s.public(s.handleRecoveryCode))
		r.Get("/register", s.public(s.handleRegisterForm))
		r.Post("/register", s.public(s.handleRegister))
		r.Get("/register/confirm/{token}", s.public(s.handleRegisterConfirmForm))
		r.Post("/register/confirm/{token}", s.public(s.handleRegisterConfirm))
		r.Get("/password-reset", s.public(s.handleResetRequestForm))
		r.Post("/password-reset", s.public(s.handleResetRequest))
		r.Get("/reset/{token}", s.public(s.handleResetForm))
		r.Post("/reset/{token}", s.public(s.handleReset))
		r.Get("/invite/{token}", s.public(s.handleInviteForm))
		r.Post("/invite/{token}", s.public(s.handleInvite))
		r.Post("/invite/{token}/again", s.public(s.handleInviteAgain))

		// Signed in.
		r.Group(func(r guardedRouter) {
			r.Use(s.requireUser)
			r.Get("/account", s.signedIn(s.handleAccount))
			r.Post("/account/sign-out-everywhere", s.signedIn(s.handleSignOutEverywhere))
			r.Post("/account/password", s.signedIn(s.handleChangePassword))
			r.Post("/account/emails", s.signedIn(s.handleEmailChoices))
			r.Post("/account/sessions/{session}/end", s.signedIn(s.handleEndSession))
			r.Get("/account/two-factor", s.signedIn(s.handleAccountTwoStep))
			r.Get("/account/two-factor/setup", s.signedIn(s.handleTwoStepSetupForm))
			r.Post("/account/two-factor/setup", s.signedIn(s.handleTwoStepSetup))
			r.Post("/account/two-factor/recovery-codes", s.signedIn(s.handleNewRecoveryCodes))
			r.Post("/account/two-factor/turn-off", s.signedIn(s.handleTurnOffTwoStep))

			// Inside an organisation: s.org checks membership and the
			// roles given, and answers 404 to everyone else.
			r.Route("/o/{org}", func(r guardedRouter) {
				r.Get("/", s.org(members, s.handleOrgHome))
				r.Get("/users", s.org(peopleAdmins, s.handleUsers))
				r.Post("/users", s.org(peopleAdmins, s.handleInviteUser))
				r.Get("/users/{user}", s.org(peopleAdmins, s.handleMember))
				r.Post("/users/{user}", s.org(peopleAdmins, s.handleSetRoles))
				r.Post("/users/invitations/{invitation}/resend", s.org(peopleAdmins, s.handleResendInvitation))
				r.Post("/users/invitations/{invitation}/revoke", s.org(peopleAdmins, s.handleRevokeInvitation))
				// Account lifecycle (lifecycle.go).
				r.Get("/users/{user}/disable", s.org(peopleAdmins, s.handleDisableForm))
				r.Post("/users/{user}/account", s.org(peopleAdmins, s.handleAccountAction))
				r.Get("/users/{user}/two-factor/reset", s.org(admins, s.handleTwoStepResetForm))
				r.Post("/users/{user}/two-factor/reset", s.org(admins, s.handleTwoStepReset))
				r.Get("/settings/two-factor", s.org(admins, s.handleTwoStepRuleForm))
				r.Post("/settings/two-factor", s.org(admins, s.handleSaveTwoStepRule))
				r.Get("/settings", s.org(admins, s.handleSettingsList))
				r.Get("/settings/single-sign-on", s.org(admins, s.handleSSOSettings))
				r.Post("/settings/single-sign-on", s.org(admins, s.handleSaveSSOSettings))
				r.Post("/settings/single-sign-on/remove", s.org(admins, s.handleRemoveSSO))
				r.Get("/settings/{partner}", s.org(admins, s.handleSettingsForm))
				r.Post("/settings/{partner}", s.org(admins, s.handleSaveSettings))
				r.Get("/audit", s.org(auditReaders, s.handleAudit))
				r.Get("/notifications", s.org(members, s.handleNotifications))
				r.Get("/notifications/undelivered", s.org(admins, s.handleUndelivered))
				r.Post("/notifications/undelivered/{email}/retry", s.org(admins, s.handleRetryUndelivered))

				r.Get("/measures", s.org(members, s.handleMeasures))
				r.Get("/measures/import", s.org(admins, s.handleImportForm))
				r.Post("/measures/import", s.org(admins, s.handleImport))
				r.Get("/measures/local", s.org(staff, s.handleLocalMeasures))
				r.Get("/measures/local/new", s.org(admins, s.handleNewLocalMeasure))
				r.Post("/measures/local/new", s.org(admins, s.handleSaveLocalMeasure))
				r.Get("/measures/local/{measure}", s.org(admins, s.handleLocalMeasure))
				r.Post("/measures/local/{measure}", s.org(admins, s.handleSaveLocalMeasure))
				r.Post("/measures/local/{measure}/retire", s.org(admins, s.handleRetireLocalMeasure))
				r.Get("/measures/{edition}", s.org(members, s.handleEdition))
				r.Get("/measures/{edition}/export.csv", s.org(members, s.handleEditionExport))
				r.Post("/measures/{edition}/choice", s.org(admins, s.handleChooseEdition))

				r.Get("/tenders", s.org(tenderReaders, s.handleTenders))
				r.Get("/tenders/new", s.org(buyers, s.handleNewTender))
				r.Post("/tenders/new", s.org(buyers, s.handleSaveTender))
				r.Get("/tenders/{tender}", s.org(tenderReaders, s.handleTender))
				r.Get("/tenders/{tender}/edit", s.org(buyers, s.handleEditTender))
				r.Post("/tenders/{tender}/edit", s.org(buyers, s.handleSaveTender))
				r.Get("/tenders/{tender}/publish", s.org(buyers, s.handlePublishCheck))
				r.Post("/tenders/{tender}/publish", s.org(buyers, s.handlePublishTender))
				r.Get("/tenders/{tender}/extend", s.org(buyers, s.handleExtendForm))
				r.Post("/tenders/{tender}/extend", s.org(buyers, s.handleExtend))
				r.Get("/tenders/{tender}/cancel", s.org(buyers, s.handleCancelForm))
				r.Post("/tenders/{tender}/cancel", s.org(buyers, s.handleCancel))
				r.Post("/tenders/{tender}/copy", s.org(buyers, s.handleCopyTender))
				r.Get("/tenders/{tender}/evaluation", s.org(evaluators, s.handleEvaluation))
				r.Get("/tenders/{tender}/evaluation.csv", s.org(evaluators, s.handleEvaluationExport("csv")))
				r.Get("/tenders/{tender}/evaluation.xlsx", s.org(evaluators, s.handleEvaluationExport("xlsx")))
				r.Post("/tenders/{tender}/evaluation/moderate", s.org(evaluators, s.handleModerate))
				r.Post("/tenders/{tender}/evaluation/scores", s.org(evaluators, s.handleScores))
				r.Post("/tenders/{tender}/evaluation/award", s.org(buyers, s.handleAward))

				r.Get("/contracts", s.org(contractReaders, s.handleContracts))
				r.Get("/contracts.csv", s.org(contractReaders, s.handleContractsExport("csv")))
				r.Get("/contracts.xlsx", s.org(contractReaders, s.handleContractsExport("xlsx")))
				r.Get("/contracts/new", s.org(buyers, s.handleNewContract))
				r.Post("/contracts/new", s.org(buyers, s.handleCreateContract))
				r.Get("/contracts/{contract}", s.org(contractReaders, s.handleContract))
				r.Get("/contracts/{contract}/kpis/{kpi}", s.org(contractChangers, s.handleKPIForm))
				r.Post("/contracts/{contract}/kpis/{kpi}", s.org(contractChangers, s.handleKPIChange))
				r.Post("/contracts/{contract}/returns", s.org(returnEditors, s.handleStartReturn))

				r.Get("/dashboard", s.org(dashboardReaders, s.handleDashboard))
				r.Get("/dashboard.csv", s.org(dashboardReaders, s.handleDashboardCSV))
				r.Get("/dashboard/{table}.{format}", s.org(dashboardReaders, s.handleDashboardTable))
				r.Get("/reports/measures", s.org(dashboardReaders, s.handleMeasureReport))
				r.Get("/reports/measures.{format}", s.org(dashboardReaders, s.handleMeasureReport))
				r.Get("/suppliers", s.org(recordReaders, s.handleSuppliers))
				r.Get("/suppliers/{supplier}", s.org(recordReaders, s.handleSupplierRecord))
				r.Get("/record", s.org(suppliers, s.handleOwnRecord))

				r.Get("/returns", s.org(returnReaders, s.handleReturns))
				r.Get("/returns/{return}", s.org(returnReaders, s.handleReturn))
				r.Post("/returns/{return}", s.org(returnEditors, s.handleSaveReturn))
				r.Post("/returns/{return}/verify", s.org(contractManagers, s.handleVerifyReturn))
				r.Get("/returns/{return}/on-behalf", s.org(contractManagers, s.handleReturnOnBehalf))
				r.Get("/returns/{return}/check", s.org(returnEditors, s.handleReturnCheck))
				r.Post("/returns/{return}/submit", s.org(returnEditors, s.handleSubmitReturn))
				r.Post("/returns/{return}/evidence", s.org(returnEditors, s.handleUploadEvidence))
				r.Get("/returns/{return}/evidence/{file}", s.org(returnReaders, s.handleEvidence))
				r.Post("/returns/{return}/evidence/{file}/remove", s.org(returnEditors, s.handleRemoveEvidence))

				r.Get("/opportunities", s.org(suppliers, s.handleOpportunities))
				r.Get("/opportunities/{tender}", s.org(suppliers, s.handleOpportunity))
				r.Post("/opportunities/{tender}/offer", s.org(suppliers, s.handleStartOffer))
				r.Get("/offers", s.org(suppliers, s.handleOffers))
				r.Get("/offers/{offer}", s.org(suppliers, s.handleOffer))
				r.Post("/offers/{offer}", s.org(suppliers, s.handleSaveOffer))
				r.Get("/offers/{offer}/submit", s.org(suppliers, s.handleConfirmOffer))
				r.Post("/offers/{offer}/submit", s.org(suppliers, s.handleSubmitOffer))
				r.Get("/offers/{offer}/receipt", s.org(suppliers, s.handleOfferReceipt))
				r.Post("/offers/{offer}/withdraw", s.org(suppliers, s.handleWithdrawOffer))
				r.Get("/offers/{offer}/template.{format}", s.org(suppliers, s.handleOfferTemplate))
				r.Post("/offers/{offer}/upload", s.org(suppliers, s.handleOfferUpload))
			})
		})
	})
	s.roles = permissionTable(r)
	return r.Router
}
