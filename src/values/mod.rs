//! Pure helpers over JSON values and spec parameters, shared by harvest and checks (so data
//! still flows one way: neither stage imports the other for them).

pub(crate) mod judge;
pub(crate) mod params;
pub(crate) mod records;
pub(crate) mod sensitivity;
