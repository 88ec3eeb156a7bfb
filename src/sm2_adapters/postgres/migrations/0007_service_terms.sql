-- A service carries the words that name it, so the parsers read the live catalog instead of a
-- vocabulary in code: terms (strong: they name the service) and hints (weak: a symptom, a verb),
-- each in English and French, as typed (the parsers fold accents and case themselves).
ALTER TABLE services
    ADD COLUMN terms_en text[] NOT NULL DEFAULT '{}',
    ADD COLUMN terms_fr text[] NOT NULL DEFAULT '{}',
    ADD COLUMN hints_en text[] NOT NULL DEFAULT '{}',
    ADD COLUMN hints_fr text[] NOT NULL DEFAULT '{}';

-- Services of the demo catalog already in a database keep being recognised: they get the words
-- the parser had for them in code until now (the same words `sm2 seed --demo` installs).
-- Only where no words were given, so an operator's own are never overwritten.

UPDATE services SET
    terms_en = ARRAY['oil change', 'oil changes', 'change oil', 'change the oil', 'oil and filter', 'oil & filter', 'oil service', 'oil filter', 'lube oil filter', 'lof', 'oil', 'oil chg'],
    terms_fr = ARRAY['vidange', 'vidanges', 'vidange d''huile', 'changement d''huile', 'changements d''huile', 'changer l''huile', 'change d''huile', 'chgt d''huile', 'chg d''huile', 'huile', 'dhuile', 'filtre a huile', 'entretien d''huile'],
    hints_en = ARRAY['filter', 'lube', 'maintenance'],
    hints_fr = ARRAY['filtre', 'entretien']
WHERE code = 'OIL_CHANGE' AND terms_en = '{}' AND terms_fr = '{}'
    AND hints_en = '{}' AND hints_fr = '{}';

UPDATE services SET
    terms_en = ARRAY['key', 'keys', 'key fob', 'fob', 'fobs', 'keyfob', 'smart key', 'smartkey', 'remote key', 'key programming', 'program key', 'program keys', 'key cutting', 'cut key', 'spare key', 'extra key', 'lost key', 'lost keys', 'all keys lost', 'akl', 'immobilizer', 'transponder', 'chip key', 'key chip', 'proximity key', 'prox key'],
    terms_fr = ARRAY['cle', 'cles', 'clef', 'clefs', 'double de cle', 'copie de cle', 'cle perdue', 'cles perdues', 'programmation de cle', 'programmer cle', 'tailler cle', 'telecommande', 'telecommandes', 'immobiliseur', 'transpondeur'],
    hints_en = ARRAY['keyless'],
    hints_fr = ARRAY['puce']
WHERE code = 'KEY_PROGRAMMING' AND terms_en = '{}' AND terms_fr = '{}'
    AND hints_en = '{}' AND hints_fr = '{}';

UPDATE services SET
    terms_en = ARRAY['tire', 'tires', 'tyre', 'tyres', 'tire change', 'tire swap', 'swap tires', 'winter tires', 'summer tires', 'snow tires', 'balancing', 'flat tire', 'tpms', 'winter wheels', 'mags', 'tire mount', 'mount tires', 'tire rotation'],
    terms_fr = ARRAY['pneu', 'pneus', 'pneux', 'pnue', 'pnues', 'pneus d''hiver', 'pneus d''ete', 'changement de pneus', 'pose de pneus', 'installation de pneus', 'rotation des pneus', 'balancement', 'equilibrage', 'crevaison', 'roues d''hiver'],
    hints_en = ARRAY['wheels', 'flat', 'rims', 'balance'],
    hints_fr = ARRAY['roues', 'roue', 'rotation', 'jantes']
WHERE code = 'TIRE_CHANGE' AND terms_en = '{}' AND terms_fr = '{}'
    AND hints_en = '{}' AND hints_fr = '{}';

UPDATE services SET
    terms_en = ARRAY['brake', 'brakes', 'brake job', 'brake pads', 'brake service', 'pads', 'rotors', 'calipers', 'caliper', 'brake fluid', 'parking brake', 'brake line', 'brakes grinding', 'breaks', 'brake pad', 'brakepads'],
    terms_fr = ARRAY['frein', 'freins', 'plaquettes', 'plaquette', 'disques', 'etriers', 'etrier', 'liquide de frein', 'frein a main', 'frein de stationnement', 'plaquettes de frein'],
    hints_en = '{}'::text[],
    hints_fr = ARRAY['disque']
WHERE code = 'BRAKE_SERVICE' AND terms_en = '{}' AND terms_fr = '{}'
    AND hints_en = '{}' AND hints_fr = '{}';

UPDATE services SET
    terms_en = ARRAY['battery', 'batteries', 'batt', 'battery replacement', 'new battery', 'dead battery'],
    terms_fr = ARRAY['batterie', 'batterie morte', 'batterie a plat', 'accumulateur', 'baterie', 'batteri'],
    hints_en = ARRAY['boost', 'booster', 'jump start', 'jumpstart'],
    hints_fr = ARRAY['boostage', 'survoltage']
WHERE code = 'BATTERY_REPLACEMENT' AND terms_en = '{}' AND terms_fr = '{}'
    AND hints_en = '{}' AND hints_fr = '{}';

UPDATE services SET
    terms_en = ARRAY['diag', 'diagnostic', 'diagnostics', 'diagnose', 'diagnosis', 'check engine', 'check engine light', 'cel', 'scan', 'scanner', 'trouble code', 'codes', 'warning light', 'oil leak', 'oil light', 'oil pressure', 'wheel bearing', 'no start', 'won''t start', 'wont start', 'doesn''t start', 'does not start', 'crank no start', 'hard start'],
    terms_fr = ARRAY['diags', 'voyant moteur', 'lumiere moteur', 'temoin moteur', 'voyant', 'temoin', 'fuite d''huile', 'voyant d''huile', 'pression d''huile', 'roulement', 'ne demarre pas', 'demarre pas', 'demarre plus', 'ne part pas', 'veut pas demarrer', 'pas demarrer', 'demarre mal'],
    hints_en = ARRAY['code', 'misfire', 'noise', 'vibration', 'leak', 'smell', 'problem', 'issue', 'trouble', 'electrical', 'light on', 'grinding', 'knocking', 'ticking', 'shaking', 'check'],
    hints_fr = ARRAY['rate d''allumage', 'rates d''allumage', 'bruit', 'fuite', 'odeur', 'probleme', 'electrique', 'lumiere', 'claquement', 'cognement', 'tremble', 'verifier', 'verification']
WHERE code = 'DIAGNOSTIC' AND terms_en = '{}' AND terms_fr = '{}'
    AND hints_en = '{}' AND hints_fr = '{}';

UPDATE services SET
    terms_en = ARRAY['engine repair', 'engine work', 'repair engine', 'engine rebuild', 'rebuild engine', 'engine replacement', 'replace engine', 'new engine', 'engine swap', 'head gasket', 'timing belt', 'timing chain', 'water pump', 'spark plugs', 'injector', 'injectors', 'valve cover gasket', 'camshaft', 'crankshaft', 'piston', 'pistons', 'engine mount', 'engine noise repair'],
    terms_fr = ARRAY['reparation moteur', 'reparer moteur', 'moteur a reparer', 'moteur a changer', 'changement de moteur', 'remplacement moteur', 'remplacement du moteur', 'joint de culasse', 'courroie de distribution', 'chaine de distribution', 'pompe a eau', 'bougies', 'injecteur', 'injecteurs', 'support moteur', 'travail moteur'],
    hints_en = ARRAY['turbo', 'alternator', 'starter motor', 'gasket', 'compression'],
    hints_fr = ARRAY['alternateur']
WHERE code = 'ENGINE_REPAIR' AND terms_en = '{}' AND terms_fr = '{}'
    AND hints_en = '{}' AND hints_fr = '{}';

UPDATE services SET
    terms_en = ARRAY['pdi', 'pdis', 'predelivery', 'pre delivery inspection', 'new car prep', 'pre delivery'],
    terms_fr = ARRAY['pre livraison', 'prelivraison', 'inspection pre livraison', 'preparation de vehicule neuf'],
    hints_en = ARRAY['inspection', 'inspect'],
    hints_fr = ARRAY['inspecter']
WHERE code = 'PDI' AND terms_en = '{}' AND terms_fr = '{}'
    AND hints_en = '{}' AND hints_fr = '{}';

UPDATE services SET
    terms_en = ARRAY['detail', 'detailing', 'full detail', 'wash', 'car wash', 'cleaning', 'clean up', 'cleanup', 'shampoo', 'polish', 'wax', 'waxing', 'ceramic', 'ceramic coating', 'buff', 'buffing', 'interior detail', 'decontamination'],
    terms_fr = ARRAY['esthetique', 'esthetisme', 'lavage', 'laver', 'nettoyage', 'nettoyer', 'shampooing', 'shampoing', 'polissage', 'polir', 'cire', 'cirage', 'ceramique', 'traitement ceramique', 'esthetique complete'],
    hints_en = ARRAY['clean', 'prep', 'vacuum'],
    hints_fr = ARRAY['preparation', 'aspirateur']
WHERE code = 'DETAILING' AND terms_en = '{}' AND terms_fr = '{}'
    AND hints_en = '{}' AND hints_fr = '{}';

UPDATE services SET
    terms_en = ARRAY['windshield', 'windscreen', 'wind shield', 'windshields', 'windshield chip', 'rock chip', 'stone chip', 'chip', 'chips', 'windshield crack'],
    terms_fr = ARRAY['pare brise', 'parebrise', 'pare brises', 'eclat', 'eclats', 'eclat de roche'],
    hints_en = ARRAY['crack', 'cracked', 'glass', 'impact'],
    hints_fr = ARRAY['fissure', 'fissures', 'vitre', 'etoile']
WHERE code = 'WINDSHIELD_REPAIR' AND terms_en = '{}' AND terms_fr = '{}'
    AND hints_en = '{}' AND hints_fr = '{}';

UPDATE services SET
    terms_en = ARRAY['pdr', 'paintless dent repair', 'paintless', 'dent', 'dents', 'ding', 'dings', 'door ding', 'hail', 'hail damage'],
    terms_fr = ARRAY['debosselage', 'debosseler', 'debosselage sans peinture', 'bosse', 'bosses', 'grele', 'dommages de grele'],
    hints_en = '{}'::text[],
    hints_fr = ARRAY['enfoncement', 'enfonce']
WHERE code = 'PAINTLESS_DENT_REPAIR' AND terms_en = '{}' AND terms_fr = '{}'
    AND hints_en = '{}' AND hints_fr = '{}';

UPDATE services SET
    terms_en = ARRAY['ac', 'air conditioning', 'air conditioner', 'air con', 'aircon', 'freon', 'refrigerant', 'ac recharge', 'recharge ac', 'r134a', '1234yf', 'hvac'],
    terms_fr = ARRAY['air climatise', 'air conditionne', 'clim', 'climatisation', 'climatiseur', 'recharge clim'],
    hints_en = ARRAY['blowing warm', 'blows warm', 'cooling', 'cold air'],
    hints_fr = ARRAY['souffle chaud', 'refroidit', 'air froid']
WHERE code = 'AC_SERVICE' AND terms_en = '{}' AND terms_fr = '{}'
    AND hints_en = '{}' AND hints_fr = '{}';

UPDATE services SET
    terms_en = ARRAY['remote start', 'remote starter', 'remote starters', 'remote car starter', 'auto start', 'autostart', 'compustar', 'remote start install'],
    terms_fr = ARRAY['demarreur a distance', 'demarreur distance', 'demarreur', 'demarreurs', 'starter a distance', 'start a distance', 'demarreur auto'],
    hints_en = '{}'::text[],
    hints_fr = '{}'::text[]
WHERE code = 'REMOTE_STARTER' AND terms_en = '{}' AND terms_fr = '{}'
    AND hints_en = '{}' AND hints_fr = '{}';

UPDATE services SET
    terms_en = ARRAY['software', 'software update', 'update', 'updates', 'reflash', 'module programming', 'ecu', 'pcm', 'tcm', 'bcm', 'ecm', 'module', 'modules', 'firmware', 'calibration', 'recalibration', 'coding'],
    terms_fr = ARRAY['mise a jour', 'mises a jour', 'maj', 'logiciel', 'reprogrammation', 'reprogrammer', 'reprog', 'programmation module', 'programmation de module', 'programmer module', 'codage', 'recalibrer'],
    hints_en = ARRAY['flash', 'flashing', 'programming', 'program', 'recall', 'infotainment'],
    hints_fr = ARRAY['programmation', 'programmer', 'rappel', 'flasher']
WHERE code = 'SOFTWARE_UPDATE' AND terms_en = '{}' AND terms_fr = '{}'
    AND hints_en = '{}' AND hints_fr = '{}';
