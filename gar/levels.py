"""The one table of the primary levels and their MEFSTAT4 codes (`GARMEFSTAT4Code`).

Source: the BCN (Base centrale des nomenclatures of the ministry, DEPP), table
N_MEF_STAT_4 « niveaux de formation », premier degré: maternelle 111x, élémentaire
112x. Checked against the codes that national GAR consumers treat as primary levels;
to be checked again against the BCN table at each rentrée (a level added there is one
line here).

A class of several levels (« cours multiple ») has no single level: its pupils are sent
without GARPersonMEFSTAT4 (the element is optional), since the directory does not say
which level each of them follows."""

from profiles.models import SchoolClass

L = SchoolClass.Level

MEFSTAT4 = {
    L.PS: "1111",   # petite section
    L.MS: "1112",   # moyenne section
    L.GS: "1113",   # grande section
    L.CP: "1121",   # cours préparatoire
    L.CE1: "1122",  # cours élémentaire 1re année
    L.CE2: "1123",  # cours élémentaire 2e année
    L.CM1: "1124",  # cours moyen 1re année
    L.CM2: "1125",  # cours moyen 2e année
}


def mefstat4(level: str) -> str | None:
    return MEFSTAT4.get(level)
