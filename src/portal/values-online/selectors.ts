// Everything bookout knows about the ValuesOnline portal's pages and files (docs/portal.md, section A),
// nothing more.

export const PATHS = {
  /** Start page; shows the login form (ASP.NET forms-auth shape). */
  start: '/ValuesOnline/Home/LicenseAgreement?ReturnUrl=/ValuesOnline/',
  inventory: '/ValuesOnline/vehicle/',
};

/** The report URL always contains this; the rest of it is unknown. */
export const PDF_URL_PART = 'GetPdfReport';

export const SELECTORS = {
  username: '#usernameInput',
  password: '#passwordInput',
  loginButton: '#loginButton',
  logoutButton: '#btnLogout',
  licenseCheckbox: '#agreementCheckBox',

  /** DevExpress GridView data rows. */
  gridRow: "tr[id*='DXDataRow']",
  filterBarLink: 'a.dxgvFilterBarLink',
  clearFilterLink: "a.dxgvFilterBarLink[onclick*='ClearFilter']",
  noFilterLink: "a.dxgvFilterBarLink[onclick*='ShowFilterControl']",
  stockNumberInput: '#StockNumberInput',
  bookoutLink: "a[id^='bookOutButton_'][title='Bookout']",

  exportMenu: '#primaryMenu_DXI4_T',
  exportAllColumns: '#primaryMenu_DXI4i1_T',
  exportToCsv: '#primaryMenu_DXI4i1i2_',

  /** "Print/Email Reports"; a second .reportButton with class requiresVehicle is not the one. */
  reportButton: 'button.reportButton:not(.requiresVehicle)',
  createPdfButtonName: 'Create PDF',
};

/** Words of the portal's refusal when the user already has a live session. */
export const ACTIVE_SESSION_TEXT = /active session/i;

/** The page function that applies the stock-number filter (typing alone does not). */
export const STOCK_FILTER_FUNCTION = 'vehicleGridViewFilterChanged';

/** The export's column that holds the stock number used for filtering and file names. */
export const REFERENCE_COLUMN = 'Reference Number';

/** The bookout report prints the vehicle's stock number after this label. */
export const REPORT_IDENTITY = { label: /Stock\s*#\s*:?\s*([A-Za-z0-9][A-Za-z0-9-]*)/gi, name: 'Stock #' };
