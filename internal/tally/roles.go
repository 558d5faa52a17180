package tally

// Who may do what (SPEC §1). The server's route guards and the store's
// checks before every change read these same sets, so the two cannot
// drift apart.
var (
	// Members are every role: staff and suppliers.
	Members = append(append([]Role{}, StaffRoles...), RoleSupplier)
	Admins  = []Role{RoleAdmin}
	// PeopleAdmins manage an organisation's people: supplier organisations
	// manage their own.
	PeopleAdmins = []Role{RoleAdmin, RoleSupplier}
	AuditReaders = []Role{RoleDirector, RoleAdmin, RoleSupplier}
	Buyers       = []Role{RoleBuyer}
	// TenderReaders: evaluators and directors follow tenders too; only
	// buyers change them.
	TenderReaders = []Role{RoleBuyer, RoleEvaluator, RoleDirector}
	Suppliers     = []Role{RoleSupplier}
	Evaluators    = []Role{RoleBuyer, RoleEvaluator}
	// ContractReaders: buyers, contract managers, directors and the
	// supplier itself.
	ContractReaders = []Role{RoleBuyer, RoleContractManager, RoleDirector, RoleSupplier}
	// ContractChangers change KPI targets: buyers when awarding, contract
	// managers afterwards.
	ContractChangers = []Role{RoleBuyer, RoleContractManager}
	ContractManagers = []Role{RoleContractManager}
	DashboardReaders = []Role{RoleDirector, RoleBuyer, RoleContractManager, RoleAdmin}
	RecordReaders    = []Role{RoleDirector, RoleBuyer, RoleEvaluator, RoleContractManager}
	// ReturnEditors: the supplier reports delivery; a contract manager may
	// on its behalf.
	ReturnEditors = []Role{RoleSupplier, RoleContractManager}
	ReturnReaders = []Role{RoleSupplier, RoleContractManager, RoleDirector}
)
