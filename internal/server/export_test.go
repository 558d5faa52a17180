package server

// Permissions is the permission table, for the route tests in server_test.
var Permissions = permissions
