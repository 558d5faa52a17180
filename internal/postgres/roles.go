package postgres

import "github.com/tally-sv/tally/internal/tally"

// Who may change what (SPEC §1), checked again in each store method that
// changes data, with scope.Require before its transaction begins, so a slip
// in the server's route table cannot open a door. They match the route
// table's sets of the same names.
var (
	admins = []tally.Role{tally.RoleAdmin}
	// Supplier organisations manage their own people.
	peopleAdmins = []tally.Role{tally.RoleAdmin, tally.RoleSupplier}
	buyers       = []tally.Role{tally.RoleBuyer}
	evaluators   = []tally.Role{tally.RoleBuyer, tally.RoleEvaluator}
	suppliers    = []tally.Role{tally.RoleSupplier}
	// KPI targets: buyers when awarding, contract managers afterwards.
	contractChangers = []tally.Role{tally.RoleBuyer, tally.RoleContractManager}
	contractManagers = []tally.Role{tally.RoleContractManager}
	// The supplier reports delivery; a contract manager may on its behalf.
	returnEditors = []tally.Role{tally.RoleSupplier, tally.RoleContractManager}
)
