// Everything the downloader knows about the portal's pages: section A of portal.md, nothing more.

export const PATHS = {
  /** Start page; shows the login form (ASP.NET forms-auth shape). */
  start: '/ValuesOnline/Home/LicenseAgreement?ReturnUrl=/ValuesOnline/',
  inventory: '/ValuesOnline/vehicle/',
};

/** The report URL always contains this; the rest of it is unknown. */
export const PDF_URL_PATTERN = /GetPdfReport/i;

export const SELECTORS = {
  username: '#usernameInput',
  password: '#passwordInput',
  loginButton: '#loginButton',
  logoutButton: '#btnLogout',
  licenseCheckbox: '#agreementCheckBox',
  inventoryNavLink: "a[href='/ValuesOnline/vehicle/']",

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
