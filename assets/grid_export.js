// AG Grid's own CSV export goes through the read model's formula guard (dashboard/model/safety.py): the page
// passes the guard's first characters, so the rule stays in one place; this only applies it.
window.dashAgGridFunctions = window.dashAgGridFunctions || {};
window.dashAgGridFunctions.guardFormulaCell = function (params, starts) {
    var value = params.value;
    if (typeof value === "string" && value.length && starts.indexOf(value.charAt(0)) !== -1) {
        return "'" + value;
    }
    return value;
};
// Header cells by the same rule (a column's label is text the export writes too).
window.dashAgGridFunctions.guardFormulaHeader = function (params, starts) {
    var col = params.column;
    var def = col && col.getColDef ? col.getColDef() : {};
    var name = def.headerName !== undefined && def.headerName !== null ? String(def.headerName) : (def.field || "");
    return window.dashAgGridFunctions.guardFormulaCell({value: name}, starts);
};
