"""The portals in French (Québec). Keys are the English messages; see ``i18n``."""

FRENCH: dict[str, str] = {
    # frame and navigation
    "Skip to content": "Aller au contenu",
    "Main": "Principal",
    "Dispatch board": "Tableau de répartition",
    "Inbox": "Boîte de réception",
    # conversations (Messages pages, a job's texts)
    "Messages": "Messages",
    "Every text to and from each number: dealerships, technicians and unknown numbers.": (
        "Tous les textos échangés avec chaque numéro : concessionnaires, techniciens et numéros "
        "inconnus."
    ),
    "{n} unread": "{n} non lu(s)",
    "No texts yet.": "Aucun texto pour l'instant.",
    "Confirmation": "Confirmation",
    "Technician alert": "Alerte au technicien",
    "Status update": "Suivi des travaux",
    "Morning summary": "Résumé du matin",
    "Queued": "En attente d'envoi",
    "Sending": "Envoi en cours",
    "Pushed, waiting for the phone": "Notifié, en attente du téléphone",
    "Sent": "Envoyé",
    "Delivered": "Livré",
    "Not delivered": "Non livré",
    "Not sent: Twilio is not configured": "Non envoyé : Twilio n'est pas configuré",
    "Not sent: the number opted out": "Non envoyé : le numéro s'est désabonné",
    "error {code}": "erreur {code}",
    "by {name}": "par {name}",
    "Apply to job": "Appliquer à un travail",
    "Keep the job's service": "Garder le service du travail",
    "Empty fields are left as the job has them.": "Les champs vides restent tels quels.",
    "Apply to the job": "Appliquer au travail",
    "Conversation": "Conversation",
    "Reply to {who}": "Répondre à {who}",
    "Send": "Envoyer",
    "Texts with the dealership": "Textos avec le concessionnaire",
    "Open the whole conversation": "Ouvrir toute la conversation",
    "Write to {who}": "Écrire à {who}",
    "No texts with this dealership yet.": "Aucun texto avec ce concessionnaire pour l'instant.",
    "Reply queued: it goes out in a moment.": "Réponse en file : elle part dans un instant.",
    "The dealer's reply was applied to the job.": (
        "La réponse du concessionnaire a été appliquée au travail."
    ),
    "Not sent: this number opted out of texts": (
        "Non envoyé : ce numéro s'est désabonné des textos"
    ),
    # MMS photos
    "Photos from the text": "Photos du texto",
    "Photo {n} from the text": "Photo {n} du texto",
    "Open file {n}": "Ouvrir le fichier {n}",
    "File {n}": "Fichier {n}",
    "bytes": "octets",
    "KB": "Ko",
    "MB": "Mo",
    "Being fetched": "En cours de récupération",
    "Fetch failed": "Échec de la récupération",
    "Dealerships": "Concessionnaires",
    "Technicians": "Techniciens",
    "Services": "Services",
    "Zones": "Zones",
    "Ranking rules": "Règles de priorité",
    "Settings": "Paramètres",
    "Sign in": "Se connecter",
    "Sign out": "Se déconnecter",
    "Username": "Nom d'utilisateur",
    "Password": "Mot de passe",
    "Dispatcher sign-in": "Connexion des répartiteurs",
    "Technician sign-in": "Connexion des techniciens",
    "Back to the board": "Retour au tableau",
    "Back to my jobs": "Retour à mes travaux",
    # live updates
    "Connecting…": "Connexion…",
    "Live": "En direct",
    "Connection lost — reconnecting…": "Connexion perdue — reconnexion…",
    "Reconnected": "Reconnecté",
    "Session expired: sign in again.": "Session expirée : reconnectez-vous.",
    "New job {code}": "Nouveau travail {code}",
    "Job {code} changed": "Travail {code} modifié",
    "This job changed while you were editing.": "Ce travail a changé pendant votre saisie.",
    "Reload": "Recharger",
    "Could not reach the server. Check the connection and try again.": (
        "Impossible de joindre le serveur. Vérifiez la connexion et réessayez."
    ),
    # board
    "Jobs per status": "Travaux par statut",
    "All": "Tous",
    "Filter jobs": "Filtrer les travaux",
    "Status": "Statut",
    "Urgency": "Urgence",
    "Dealership": "Concessionnaire",
    "Technician": "Technicien",
    "Search": "Recherche",
    "Job code, model, stock no., words…": "Code, modèle, n° de stock, mots…",
    "Any": "Tous",
    "Apply": "Appliquer",
    "Clear": "Effacer",
    "Jobs by urgency, score and age": "Travaux par urgence, pointage et ancienneté",
    "filtered": "filtrés",
    "Job": "Travail",
    "Score": "Pointage",
    "Vehicle": "Véhicule",
    "Service": "Service",
    "Received": "Reçu",
    "Needs verification": "À vérifier",
    "First page": "Première page",
    "Show more": "Afficher plus",
    "Next page": "Page suivante",
    "No job matches these filters.": "Aucun travail ne correspond à ces filtres.",
    "No jobs yet. New texts from dealerships appear here as they arrive.": (
        "Aucun travail pour l'instant. Les textos des concessionnaires apparaissent ici dès "
        "leur arrivée."
    ),
    # job page
    "Manual verification": "Vérification manuelle",
    "Verify": "Vérifier",
    "Verified by {name} on {when}": "Vérifié par {name} le {when}",
    "Year": "Année",
    "Make": "Marque",
    "Model": "Modèle",
    "Stock no.": "N° de stock",
    "What the VIN says": "Ce que dit le NIV",
    "Maker (WMI {wmi})": "Constructeur (WMI {wmi})",
    "unknown maker": "constructeur inconnu",
    "Model year": "Année modèle",
    "Not a valid VIN": "NIV invalide",
    "Work": "Travail demandé",
    "No service recognised": "Aucun service reconnu",
    "Rules applied": "Règles appliquées",
    "None": "Aucun",
    "Parsing confidence": "Confiance de l'analyse",
    "typed in by hand": "saisi à la main",
    "Original text": "Texto original",
    "Assignment": "Affectation",
    "Assigned to": "Affecté à",
    "Put back on the board": "Remettre au tableau",
    "Nobody yet.": "Personne pour l'instant.",
    "Suggested technicians": "Techniciens suggérés",
    "Verify the job before assigning it.": "Vérifiez le travail avant de l'affecter.",
    "Technicians fit for this job, best first": "Techniciens aptes, le meilleur d'abord",
    "Skills": "Compétences",
    "Availability": "Disponibilité",
    "Distance": "Distance",
    "Load": "Charge",
    "Action": "Action",
    "{n} jobs": "{n} travaux",
    "Assign": "Affecter",
    "Assigned": "Affecté",
    "No technician is certified and available for this service.": (
        "Aucun technicien certifié et disponible pour ce service."
    ),
    "Set a service before assigning.": "Choisissez un service avant d'affecter.",
    "Cannot start it now:": "Ne peut pas le commencer maintenant :",
    "Heads-up for this assignment": "À noter pour cette affectation",
    "Technician's report": "Rapport du technicien",
    "Completed": "Terminé",
    "Labour": "Main-d'œuvre",
    "{n} min": "{n} min",
    "Parts used": "Pièces utilisées",
    "Notes": "Notes",
    "Cancel this job": "Annuler ce travail",
    "Reason": "Raison",
    "Cancel the job": "Annuler le travail",
    "Cancelled": "Annulé",
    "Invoice": "Facture",
    "Amount": "Montant",
    "QuickBooks invoice": "Facture QuickBooks",
    "Approved": "Approuvé",
    "QuickBooks said": "Réponse de QuickBooks",
    "Retry the invoice": "Relancer la facture",
    "Approve and invoice": "Approuver et facturer",
    "Invoiced once the technician completes the job and a dispatcher approves it.": (
        "Facturé quand le technicien a terminé et qu'un répartiteur a approuvé."
    ),
    "Timeline": "Historique",
    "Job verified.": "Travail vérifié.",
    "Technician assigned.": "Technicien affecté.",
    "Technician removed; the job is back on the board.": (
        "Technicien retiré : le travail est de retour au tableau."
    ),
    "Job cancelled.": "Travail annulé.",
    "Approved: the invoice is on its way to QuickBooks.": (
        "Approuvé : la facture part vers QuickBooks."
    ),
    "Job created.": "Travail créé.",
    # audit actions and fields
    "Created": "Créé",
    "Edited": "Modifié",
    "Verified": "Vérifié",
    "Accepted": "Accepté",
    "Invoice synced": "Facture synchronisée",
    "Invoice failed": "Échec de la facture",
    "Verified by": "Vérifié par",
    "Invoice error": "Erreur de facturation",
    "Approved by": "Approuvé par",
    # enum values
    "Pending": "En attente",
    "Scheduled": "Planifié",
    "In progress": "En cours",
    "Low": "Basse",
    "Medium": "Moyenne",
    "High": "Haute",
    "Critical": "Critique",
    "Not started": "Non commencée",
    "Waiting for approval": "En attente d'approbation",
    "Synced": "Synchronisée",
    "Failed": "Échec",
    "Available": "Disponible",
    "Busy": "Occupé",
    "Offline": "Hors ligne",
    "On leave": "En congé",
    "Unknown sender": "Expéditeur inconnu",
    "No work asked": "Aucun travail demandé",
    "Processed": "Traité",
    # inbox
    "Texts that made no job: an unknown number, or nothing asked.": (
        "Textos qui n'ont créé aucun travail : numéro inconnu ou rien de demandé."
    ),
    "Create a job from this text": "Créer un travail à partir de ce texto",
    "Choose…": "Choisir…",
    "Not known yet": "Pas encore connu",
    "Create the job": "Créer le travail",
    "Register {number} as a dealership": "Inscrire le {number} comme concessionnaire",
    "Name": "Nom",
    "Billing email": "Courriel de facturation",
    "Zone": "Zone",
    "Language of replies": "Langue des réponses",
    "Register the dealership": "Inscrire le concessionnaire",
    "Nothing here: every text made a job.": "Rien ici : chaque texto a créé un travail.",
    "Dealership registered: this number's next texts will make jobs.": (
        "Concessionnaire inscrit : les prochains textos de ce numéro créeront des travaux."
    ),
    # reference data
    "All {what}": "Tous : {what}",
    "Matches are counted over the last {n} jobs.": (
        "Les correspondances portent sur les {n} derniers travaux."
    ),
    "Edit {name}": "Modifier {name}",
    "Add": "Ajouter",
    "Save": "Enregistrer",
    "Preview": "Aperçu",
    "Cancel": "Annuler",
    "This rule would have matched {n} of the last {total} jobs.": (
        "Cette règle aurait visé {n} des {total} derniers travaux."
    ),
    "Edit": "Modifier",
    "Deactivate": "Désactiver",
    "Reactivate": "Réactiver",
    "Description": "Description",
    "Coordinates": "Coordonnées",
    "Actions": "Actions",
    "inactive": "inactif",
    "Code": "Code",
    "Price": "Prix",
    "Verification": "Vérification",
    "required": "requise",
    "Phone": "Téléphone",
    "Language": "Langue",
    "audit": "audit",
    "Matches": "Critères",
    "Recent jobs": "Travaux récents",
    "Saved: created.": "Enregistré : créé.",
    "Saved.": "Enregistré.",
    "Deactivated.": "Désactivé.",
    "Reactivated.": "Réactivé.",
    # logins
    "Users": "Utilisateurs",
    "All logins": "Tous les accès",
    "Deactivating a login or resetting its password signs it out everywhere.": (
        "Désactiver un accès ou réinitialiser son mot de passe le déconnecte partout."
    ),
    "Role": "Rôle",
    "you": "vous",
    "Dispatcher (admin)": "Répartiteur (administrateur)",
    "Reset the password": "Réinitialiser le mot de passe",
    "of {name}": "de {name}",
    "New password for {name}": "Nouveau mot de passe pour {name}",
    "New login": "Nouvel accès",
    "At least 10 characters.": "Au moins 10 caractères.",
    "For a technician's login: the technician it signs in as.": (
        "Pour l'accès d'un technicien : le technicien qu'il représente."
    ),
    "Create the login": "Créer l'accès",
    "Login created.": "Accès créé.",
    "Login deactivated: its sessions are ended.": "Accès désactivé : ses sessions sont terminées.",
    "Login reactivated.": "Accès réactivé.",
    "Password reset: the login's sessions are ended.": (
        "Mot de passe réinitialisé : les sessions de l'accès sont terminées."
    ),
    "Latitude": "Latitude",
    "Longitude": "Longitude",
    "e.g. 46.8139": "p. ex. 46.8139",
    "e.g. -71.2080": "p. ex. -71.2080",
    "e.g. KEY_PROGRAMMING": "p. ex. KEY_PROGRAMMING",
    "e.g. Audi": "p. ex. Audi",
    "Name (English)": "Nom (anglais)",
    "Name (French)": "Nom (français)",
    "Jobs need a dispatcher's verification": "Les travaux doivent être vérifiés",
    "Words that name it (English)": "Mots qui le nomment (anglais)",
    "Words that name it (French)": "Mots qui le nomment (français)",
    "Hints (English)": "Indices (anglais)",
    "Words": "Mots",
    "Language of alerts": "Langue des alertes",
    "Status texts": "Textos de suivi",
    "Texts to the dealership as a technician is assigned, starts and finishes a job": (
        "Textos au concessionnaire quand un technicien est affecté, commence et termine un travail"
    ),
    "Technician assigned": "Technicien affecté",
    "Work started": "Travail commencé",
    "Work completed": "Travail terminé",
    "names only": "noms seulement",
    "Hints (French)": "Indices (français)",
    "One per line: words and short phrases dealers text for this service": (
        "Un par ligne : les mots et courtes expressions que les concessionnaires écrivent "
        "pour ce service"
    ),
    "One per line: symptoms or vague words that only suggest it; a named service wins": (
        "Un par ligne : symptômes ou mots vagues qui le suggèrent seulement ; un service "
        "nommé l'emporte"
    ),
    "Phone (sends the texts)": "Téléphone (expéditeur des textos)",
    "Expected duration (minutes)": "Durée prévue (minutes)",
    "5 to 720: the board plans a job with no end time by it": (
        "De 5 à 720 : le tableau planifie ainsi un travail sans heure de fin"
    ),
    "Duration": "Durée",
    "Address": "Adresse",
    "Where technicians drive: street, city, postal code": (
        "Où se rendent les techniciens : rue, ville, code postal"
    ),
    "Flagged for audit (every job is verified)": "Sous audit (chaque travail est vérifié)",
    "Home zone": "Zone de résidence",
    "At least this urgency": "Urgence minimale",
    "Score added": "Pointage ajouté",
    # settings
    "Connected": "Connecté",
    "Not connected": "Non connecté",
    "Not configured": "Non configuré",
    "Environment": "Environnement",
    "Company id": "N° d'entreprise",
    "State": "État",
    "Last error": "Dernière erreur",
    "Set QBO_CLIENT_ID, QBO_CLIENT_SECRET and QBO_REDIRECT_URI to invoice through QuickBooks. "
    "Until then approved jobs are marked as failed and can be retried.": (
        "Définissez QBO_CLIENT_ID, QBO_CLIENT_SECRET et QBO_REDIRECT_URI pour facturer par "
        "QuickBooks. D'ici là, les travaux approuvés sont marqués en échec et peuvent être "
        "relancés."
    ),
    "Disconnect QuickBooks? Invoices stop until it is connected again.": (
        "Déconnecter QuickBooks? La facturation s'arrête jusqu'à la prochaine connexion."
    ),
    "Disconnect": "Déconnecter",
    "Connect to QuickBooks": "Connecter QuickBooks",
    "QuickBooks disconnected.": "QuickBooks déconnecté.",
    "System health": "État du système",
    "Database": "Base de données",
    "OK": "OK",
    "Down": "En panne",
    "Schema": "Schéma",
    "Up to date": "À jour",
    "Migrations pending": "Migrations en attente",
    "Task worker": "Traitement des tâches",
    "Running": "En marche",
    "Not running": "Arrêté",
    "Configured": "Configuré",
    "Failing": "En échec",
    "Signatures not checked": "Signatures non vérifiées",
    "Texts waiting too long": "Textos en attente trop longtemps",
    "Texts kept while the database was away": "Textos gardés pendant l'absence de la base",
    # technician portal
    "My jobs": "Mes travaux",
    "Accept": "Accepter",
    "On hold — waiting for the dispatcher's verification": (
        "En suspens — en attente de la vérification du répartiteur"
    ),
    "Complete this job": "Terminer ce travail",
    "Work done (notes)": "Travail effectué (notes)",
    "One per line, quantity first: 2 brake pads": "Une par ligne, quantité d'abord : 2 plaquettes",
    "Labour (minutes)": "Main-d'œuvre (minutes)",
    "Complete": "Terminer",
    "No jobs for now. New assignments appear here.": (
        "Aucun travail pour l'instant. Les nouvelles affectations apparaîtront ici."
    ),
    "Job accepted: it is in progress.": "Travail accepté : il est en cours.",
    "Job completed. Thank you!": "Travail terminé. Merci!",
    # technician portal: live, installable, alerts
    "Job {code} is no longer yours": "Le travail {code} ne vous est plus attribué",
    "Offline: this is your job list as last loaded. It updates when the connection is back.": (
        "Hors ligne : voici votre liste de travaux telle que chargée la dernière fois. Elle se "
        "mettra à jour au retour de la connexion."
    ),
    "No job list is saved on this phone yet. Your jobs appear here once the connection is back.": (
        "Aucune liste de travaux n'est encore gardée sur ce téléphone. Vos travaux s'afficheront "
        "ici au retour de la connexion."
    ),
    "Try again": "Réessayer",
    "Your jobs, live, on your phone.": "Vos travaux, en direct, sur votre téléphone.",
    "Alerts on this phone": "Alertes sur ce téléphone",
    "Enable notifications": "Activer les notifications",
    "Notifications on": "Notifications activées",
    "Notifications are blocked for this site: allow them in the browser settings.": (
        "Les notifications sont bloquées pour ce site : autorisez-les dans les réglages du "
        "navigateur."
    ),
    "Notifications could not be turned on. Try again later.": (
        "Impossible d'activer les notifications. Réessayez plus tard."
    ),
    # errors
    "Please correct the form": "Veuillez corriger le formulaire",
    "Not found": "Introuvable",
    "Page not found": "Page introuvable",
    "Already exists": "Existe déjà",
    "Someone else changed this job: reload the page and try again": (
        "Quelqu'un d'autre a modifié ce travail : rechargez la page et réessayez"
    ),
    "Not possible now": "Impossible pour l'instant",
    "Not allowed": "Non permis",
    "Invalid request": "Requête invalide",
    "Too many failed logins; try again in a few minutes.": (
        "Trop d'échecs de connexion; réessayez dans quelques minutes."
    ),
    "Invalid username or password": "Nom d'utilisateur ou mot de passe invalide",
    "An outside service failed": "Un service externe a échoué",
    "Refused": "Refusé",
    "Refused by a business rule": "Refusé par une règle d'affaires",
    "Refused by the Audi rule": "Refusé par la règle Audi",
    "Refused: manual verification first": "Refusé : vérification manuelle d'abord",
    "Refused by the certification rule": "Refusé par la règle de certification",
    "Refused: the technician is not available": "Refusé : le technicien n'est pas disponible",
    "Refused by the 20 km rule": "Refusé par la règle des 20 km",
    "Refused by the invoicing safety lock": "Refusé par le verrou de facturation",
    "Refused: you cannot deactivate your own login": (
        "Refusé : vous ne pouvez pas désactiver votre propre accès"
    ),
    "Refused: the last active admin stays active": (
        "Refusé : le dernier administrateur actif reste actif"
    ),
    "This form has expired": "Ce formulaire a expiré",
    "Reload the page and try again.": "Rechargez la page et réessayez.",
    "Something went wrong on our side": "Un problème est survenu de notre côté",
    "Quote request id {id} to support.": "Indiquez la référence {id} au soutien technique.",
    # the parser's corrections
    "Corrections": "Corrections",
    "Parser corrections": "Corrections de la lecture automatique",
    "How often dispatchers corrected what the parser read from a text, over the last {n} days.": (
        "À quelle fréquence les répartiteurs ont corrigé ce que la lecture automatique a tiré "
        "d'un texto, sur les {n} derniers jours."
    ),
    "Corrections per service and field": "Corrections par service et par champ",
    "Jobs made from a text in the period, by their service as corrected; a share is of that "
    "service's jobs.": (
        "Travaux créés à partir d'un texto pendant la période, selon leur service corrigé; "
        "un pourcentage se calcule sur les travaux de ce service."
    ),
    "Jobs from texts": "Travaux issus de textos",
    "No service": "Aucun service",
    "All services": "Tous les services",
    "No job was made from a text in this period.": (
        "Aucun travail n'a été créé à partir d'un texto pendant cette période."
    ),
    "Every corrected text can be exported as a labeled corpus for the parser's accuracy bench:": (
        "Chaque texto corrigé peut être exporté en corpus étiqueté pour mesurer la précision "
        "de la lecture automatique :"
    ),
    "Suggested words": "Mots suggérés",
    "Words that keep appearing in texts dispatchers corrected to the same service, over the "
    "last {n} days. Nothing is added unless you add it.": (
        "Mots qui reviennent dans les textos que les répartiteurs ont corrigés vers le même "
        "service, sur les {n} derniers jours. Rien n'est ajouté sans vous."
    ),
    "Word": "Mot",
    "Texts": "Textos",
    "{n} elsewhere": "{n} ailleurs",
    "Add as a term": "Ajouter comme mot du service",
    "No word to suggest for now.": "Aucun mot à suggérer pour l'instant.",
    "Dispatchers' corrections suggest {n} new term(s).": (
        "Les corrections des répartiteurs suggèrent {n} nouveau(x) mot(s)."
    ),
    "How often the parser was corrected": "Fréquence des corrections de la lecture automatique",
    "Added: the parser reads the word as the service from the next text on.": (
        "Ajouté : la lecture automatique reconnaît ce mot comme ce service dès le prochain texto."
    ),
    "Stock number": "Numéro de stock",
    "English": "Anglais",
    "French": "Français",
    "Alerts that did not reach the technician": "Alertes qui n'ont pas joint le technicien",
    "error": "erreur",
    "Call them.": "Appelez-le.",
    # A job's edit form (portal/job_edit.py), its facts, and the technician's day.
    "Edit the job": "Modifier le travail",
    "A completed or cancelled job is no longer edited.": (
        "Un travail terminé ou annulé ne se modifie plus."
    ),
    "Use the proposed window: {when}": "Prendre la plage demandée : {when}",
    "Change the service, vehicle, window, technician or notes": (
        "Changer le service, le véhicule, la plage horaire, le technicien ou les notes"
    ),
    "Someone changed this job; reload to see their change.": (
        "Quelqu'un a modifié ce travail; rechargez pour voir sa modification."
    ),
    "Nothing was saved: your changes are still below.": (
        "Rien n'a été enregistré : vos changements sont toujours ci-dessous."
    ),
    "Reload the job": "Recharger le travail",
    "Nothing was saved. Book anyway to give the technician both jobs at once.": (
        "Rien n'a été enregistré. Réservez quand même pour confier les deux travaux en même "
        "temps au technicien."
    ),
    "Nothing was saved.": "Rien n'a été enregistré.",
    "The technician has started: the assignment cannot change now.": (
        "Le technicien a commencé : l'affectation ne peut plus changer."
    ),
    "Save changes": "Enregistrer les changements",
    "Discard changes": "Abandonner les changements",
    "Other jobs on this vehicle": "Autres travaux sur ce véhicule",
    "No other job with this VIN.": "Aucun autre travail avec ce VIN.",
    "Window": "Plage horaire",
    "Asked for: {when}": "Demandé pour : {when}",
    "Notes for the technician": "Notes pour le technicien",
    "Notes for the technician changed": "Notes pour le technicien modifiées",
    "Window set": "Plage horaire fixée",
    "Window start": "Début de la plage",
    "Booked although it overlaps": "Réservée malgré le chevauchement avec",
    "Window end": "Fin de la plage",
    "Texted by {phone} on {when}": "Texto de {phone} le {when}",
    "Open the conversation": "Ouvrir la conversation",
    "The whole text it came from": "Le texto complet d'où il vient",
    "Set a service before assigning:": "Choisissez un service avant d'affecter :",
    "choose it in the edit form": "faites-le dans le formulaire de modification",
    "No time set yet": "Heure pas encore fixée",
    "opens the maps app": "ouvre l'application de cartes",
    "Dispatcher's notes": "Notes du répartiteur",
    "The dealer's text": "Le texto du concessionnaire",
    "Job saved.": "Travail enregistré.",
    "Nothing to save: the form had no change.": (
        "Rien à enregistrer : le formulaire n'avait aucun changement."
    ),
    "Today {times}": "Aujourd'hui {times}",
    "Tomorrow {times}": "Demain {times}",
    "Choose a service": "Choisir un service",
    "As the rules say": "Selon les règles",
    "Nobody (on the board)": "Personne (au tableau)",
    "Rules and policies may still raise it": "Les règles peuvent encore la relever",
    "Empty: as long as the service takes": "Vide : la durée prévue du service",
    "Shown with the job": "Affichées avec le travail",
    "Must be after the start.": "Doit être après le début.",
    "A window is at most 12 hours long.": "Une plage dure au plus 12 heures.",
    "A window with an end needs a start.": "Une plage avec une fin doit avoir un début.",
    "Needed for a window.": "Requis pour une plage horaire.",
    "Not a date.": "Ce n'est pas une date.",
    "Not a time.": "Ce n'est pas une heure.",
    "A model year between 1980 and 2100.": "Une année de modèle entre 1980 et 2100.",
    "At most 60 characters.": "Au plus 60 caractères.",
    "A whole number.": "Un nombre entier.",
    "Not one of the choices.": "Ce n'est pas un des choix.",
    "At most 2000 characters.": "Au plus 2000 caractères.",
    "Not an active service": "Ce n'est pas un service actif",
    "Unknown technician": "Technicien inconnu",
    "Refused: the technician is already booked at that time": (
        "Refusé : le technicien est déjà réservé à ce moment"
    ),
    # The Day view (portal/day.py) and the board's "Needs attention" filter.
    "Day view": "Vue journée",
    "Other days": "Autres jours",
    "Previous day": "Jour précédent",
    "Today": "Aujourd'hui",
    "Next day": "Jour suivant",
    "Day": "Jour",
    "Show": "Afficher",
    "Drag a job onto a technician's row at the hour it starts, or open its “Schedule…” form.": (
        "Glissez un travail sur la ligne d'un technicien, à l'heure où il commence, ou ouvrez "
        "son formulaire « Planifier… »."
    ),
    "Book anyway": "Réserver quand même",
    "Schedule…": "Planifier…",
    "Schedule": "Planifier",
    "Date": "Date",
    "Start": "Début",
    "End (optional)": "Fin (facultatif)",
    "The job could not be scheduled.": "Le travail n'a pas pu être planifié.",
    "Scheduling {code}…": "Planification de {code}…",
    "No time yet:": "Sans heure :",
    "Jobs of {name}": "Travaux de {name}",
    "Distance from {code}:": "Distance depuis {code} :",
    "Unscheduled": "Non planifiés",
    "Service not recognised": "Service non reconnu",
    "Asked for:": "Demandé pour :",
    "No job is waiting for a technician.": "Aucun travail n'attend de technicien.",
    "Job scheduled.": "Travail planifié.",
    "{code} scheduled: {when}.": "{code} planifié : {when}.",
    "Needs attention": "À traiter",
    "Needs attention:": "À traiter :",
    "Approve": "Approuver",
    "Awaiting verification": "En attente de vérification",
    "Completed, awaiting approval": "Terminé, en attente d'approbation",
    "Alert to the technician not delivered": "Alerte au technicien non livrée",
    # an invoice's payments, as QuickBooks says them
    "Paid": "Payée",
    "Partly paid": "Payée en partie",
    "Overdue": "En retard",
    "Voided": "Annulée",
    "Invoice updated from QuickBooks": "Facture mise à jour depuis QuickBooks",
    "Invoice overdue": "Facture en retard",
    "Total with taxes": "Total avec taxes",
    "Amount paid": "Montant payé",
    "Balance": "Solde",
    "Due date": "Échéance",
    "Last changed in QuickBooks": "Dernière modification dans QuickBooks",
    "The due date has passed: the dealership still owes {amount}.": (
        "L'échéance est passée : le concessionnaire doit encore {amount}."
    ),
    "This invoice was voided or deleted in QuickBooks: nothing is owed for it.": (
        "Cette facture a été annulée ou supprimée dans QuickBooks : rien n'est dû."
    ),
    # technicians' photos of the work (proof of work)
    "Photos": "Photos",
    "Photos of the work": "Photos des travaux",
    "Photo {n} of the work": "Photo {n} des travaux",
    "Photo of the work added": "Photo des travaux ajoutée",
    "Photo of the work removed": "Photo des travaux retirée",
    "Photo removed.": "Photo retirée.",
    "Not removed": "Non retirée",
    "Remove": "Retirer",
    "See the photo": "Voir la photo",
    "Take a photo": "Prendre une photo",
    "Or choose from the gallery": "Ou choisir dans la galerie",
    "Add photo": "Ajouter la photo",
    "JPEG, PNG, HEIC or WebP, at most {size} each and {n} per job. Their location is removed.": (
        "JPEG, PNG, HEIC ou WebP, {size} au plus chacune et {n} par travail. Leur position "
        "est retirée."
    ),
    "Photos added.": "Photos ajoutées.",
    "{n} photo(s) added.": "{n} photo(s) ajoutée(s).",
    "Not added": "Non ajoutée(s)",
    "No photo chosen: take a photo or choose one, then send.": (
        "Aucune photo choisie : prenez ou choisissez une photo, puis envoyez."
    ),
    "This service requires at least one photo before you complete the job.": (
        "Ce service exige au moins une photo avant de terminer le travail."
    ),
    "No photo yet: this service requires photos before the job is completed.": (
        "Aucune photo pour l'instant : ce service exige des photos avant que le travail soit "
        "terminé."
    ),
    "Jobs are completed only with the technician's photos": (
        "Les travaux ne sont terminés qu'avec les photos du technicien"
    ),
    "Refused: photos of the work are required": "Refusé : des photos des travaux sont exigées",
    "Too large": "Trop volumineux",
    "Too large to send at once: send fewer photos at a time": (
        "Trop volumineux pour un seul envoi : envoyez moins de photos à la fois"
    ),
    # invoices that bill the work: the parts catalog, dealerships' prices, a job's invoice lines
    "Parts": "Pièces",
    "Prices": "Prix",
    "Dealership prices": "Prix des concessionnaires",
    "SKU": "Code d'article",
    "e.g. Oil filter": "p. ex. Filtre à huile",
    "Optional; technicians may report the part by it": (
        "Facultatif; les techniciens peuvent déclarer la pièce par ce code"
    ),
    "Billed instead of the service's price for this dealership": (
        "Facturé à ce concessionnaire au lieu du prix du service"
    ),
    "Base price": "Prix de base",
    "Its price": "Son prix",
    "Labour included (minutes)": "Main-d'œuvre incluse (minutes)",
    "Labour its price includes; the invoice bills the minutes beyond": (
        "Main-d'œuvre comprise dans son prix; la facture compte les minutes au-delà"
    ),
    "Labour included": "Main-d'œuvre incluse",
    "Hourly rate": "Taux horaire",
    "Billed per hour of labour beyond a service's included minutes": (
        "Facturé par heure de main-d'œuvre au-delà des minutes incluses d'un service"
    ),
    "Invoice lines": "Lignes de la facture",
    "Quantity": "Quantité",
    "Unit price": "Prix unitaire",
    "Hours": "Heures",
    "Adjust": "Ajuster",
    "Save the line": "Enregistrer la ligne",
    "Subtotal (before taxes)": "Sous-total (avant taxes)",
    "Taxes": "Taxes",
    "Total": "Total",
    "Estimated total": "Total estimé",
    "not in the parts catalog": "absente du catalogue de pièces",
    "Check this line before approving": "Vérifiez cette ligne avant d'approuver",
    "Adjusted by {who}: {reason}": "Ajustée par {who} : {reason}",
    "was {quantity} × {price}": "auparavant {quantity} × {price}",
    "The service alone until the technician completes the job: the report adds its parts and "
    "labour.": (
        "Le service seul jusqu'à ce que le technicien termine le travail : son rapport y ajoute "
        "les pièces et la main-d'œuvre."
    ),
    "{n} line(s) flagged: adjust them or confirm them before approving.": (
        "{n} ligne(s) signalée(s) : ajustez-les ou confirmez-les avant d'approuver."
    ),
    "I have checked the flagged lines: bill them as they are": (
        "J'ai vérifié les lignes signalées : les facturer telles quelles"
    ),
    "Invoice line adjusted.": "Ligne de facture ajustée.",
    "Invoice line adjusted": "Ligne de facture ajustée",
    "Invoice line": "Ligne de facture",
    # the Reports page
    "Reports": "Rapports",
    "From": "Du",
    "To": "Au",
    "Periods": "Périodes",
    "This month": "Ce mois-ci",
    "Last month": "Le mois dernier",
    "This year": "Cette année",
    "{first} to {last}": "du {first} au {last}",
    "This period cannot be reported on": "Pas de rapport pour cette période",
    "Showing this month so far instead.": "Voici plutôt le mois en cours.",
    "Every figure is about the jobs created in the period (and the texts received in it), except the technicians': the work they started in it; in the company's time zone ({zone}).": (
        "Chaque chiffre porte sur les travaux créés dans la période (et les textos reçus "
        "pendant celle-ci), sauf ceux des techniciens : le travail qu'ils y ont commencé ; "
        "selon le fuseau horaire de l'entreprise ({zone})."
    ),
    "Download CSV": "Télécharger en CSV",
    "All dealerships": "Tous les concessionnaires",
    "Jobs created": "Travaux créés",
    "Invoiced": "Facturé",
    "Invoiced and paid per dealership": "Facturé et payé par concessionnaire",
    "For the jobs created from {first} to {last}. The amounts are also in the table below.": (
        "Pour les travaux créés du {first} au {last}. Les montants figurent aussi dans le "
        "tableau ci-dessous."
    ),
    "Nothing was invoiced for this period's jobs.": (
        "Rien n'a été facturé pour les travaux de cette période."
    ),
    "Jobs created per day": "Travaux créés par jour",
    "From {first} to {last}: {total} jobs, at most {most} in a day ({day}).": (
        "Du {first} au {last} : {total} travaux, au plus {most} en une journée ({day})."
    ),
    "No job was created in this period.": "Aucun travail n'a été créé pendant cette période.",
    "Turnaround": "Délais",
    "Turnaround: median (p50) and p90": "Délais : médiane (p50) et p90",
    "Time from the text's receipt to each step, for the jobs created in the period. The figures are also in the table below.": (
        "Temps écoulé depuis la réception du texto jusqu'à chaque étape, pour les travaux "
        "créés dans la période. Les chiffres figurent aussi dans le tableau ci-dessous."
    ),
    "From the text's receipt (a job typed in by hand: its creation) to each step: half the jobs took at most the median, nine in ten at most p90.": (
        "De la réception du texto (un travail saisi à la main : sa création) à chaque étape : "
        "la moitié des travaux ont pris au plus la médiane, neuf sur dix au plus le p90."
    ),
    "Step": "Étape",
    "Jobs": "Travaux",
    "p50 (median)": "p50 (médiane)",
    "p90": "p90",
    "Job created": "Travail créé",
    "Per service": "Par service",
    "Per dealership": "Par concessionnaire",
    "No job in this period.": "Aucun travail pendant cette période.",
    "{n} s": "{n} s",
    "{h} h {m} min": "{h} h {m} min",
    "{d} d {h} h": "{d} j {h} h",
    "Busy: time from start to completion of the jobs completed, over {hours} hours per day the technician started a job.": (
        "Occupé : temps du début à la fin des travaux terminés, sur {hours} heures par jour où "
        "le technicien a commencé un travail."
    ),
    "Labour minutes": "Minutes de main-d'œuvre",
    "Working days": "Jours travaillés",
    "Km between jobs": "Km entre les travaux",
    "No technician yet.": "Aucun technicien pour l'instant.",
    "Parser": "Analyseur",
    "Of the {n} jobs made from a text, those a dispatcher corrected.": (
        "Parmi les {n} travaux créés à partir d'un texto, ceux qu'un répartiteur a corrigés."
    ),
    "Field": "Champ",
    "Jobs corrected": "Travaux corrigés",
    "Share": "Part",
    "Any field": "Un champ ou plus",
}
